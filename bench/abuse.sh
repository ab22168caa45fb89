#!/usr/bin/env bash
# The attacks of issue 16 against a node from the packaged jar, on loopback, each against a fresh node for a
# bounded time: idle-connection flood past the node's fd limit, slow headers, h2c zero-window hoarding and h2c
# rapid reset (with h2c on; and the preface against the default h2c off), random method names, CL+TE smuggling,
# clients that never read, an NTP flood. Prints a table: /health/live p99 during the attack, NTP p99, the node's
# RSS peak, whether /health/live answered within 100 ms again within 5 s of the attack's end, and what the node did.
#   bench/abuse.sh [seconds per attack (default 12; at least 20 to see slow headers closed, 25 for clients that
#                  never read)] [--reference OTHER.jar (each attack also against that build, in the row before)]
#                  [attack name part...]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-12}
shift || true
if [ ! -f bench/target/timemesh-bench.jar ] || [ ! -f deploy/target/timemesh.jar ]; then
  mvn -B -q -DskipTests package
fi
# The attacker holds as many sockets as the node may: raise this shell's soft limit to the hard one.
ulimit -n "$(ulimit -Hn)"
echo "timemesh abuse run, $(date -u +%Y-%m-%d), ${seconds} s per attack, $(nproc) cores"
java -cp bench/target/timemesh-bench.jar io.timemesh.bench.AbuseBench "$seconds" "$@"
