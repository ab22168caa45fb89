#!/usr/bin/env bash
# NTP serving: timemesh's --ntp-port against chronyd on the same machine, same load generator, rising
# offered load, rate limiting off on both (chrony's default; timemesh's default). Target: >= chronyd's rate.
#   bench/ntp-bench.sh [rates] [seconds]
set -euo pipefail
cd "$(dirname "$0")/.."
rates=${1:-5000,10000,20000,40000,80000}
seconds=${2:-5}
[ -x /usr/sbin/chronyd ] || ./scripts/install-test-deps
[ -f bench/target/timemesh-bench.jar ] || mvn -B -q -DskipTests install
work=$(mktemp -d)
pids=()
cleanup() { kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
cat > "$work/chrony.conf" <<CONF
port 11924
bindaddress 127.0.0.1
local stratum 1
allow 127.0.0.0/8
cmdport 0
pidfile $work/chronyd.pid
CONF
/usr/sbin/chronyd -x -d -u root -f "$work/chrony.conf" > "$work/chronyd.log" 2>&1 & pids+=($!)
java -jar deploy/target/timemesh.jar run --source 127.0.0.1:11924 --poll 1 --http-host 127.0.0.1 --http-port 18903 \
  --ntp-port 11925 > "$work/node.log" 2>&1 & pids+=($!)
for i in $(seq 60); do curl -sf http://127.0.0.1:18903/time | grep -q SYNCHRONIZED && break; sleep 1; done
java -cp bench/target/timemesh-bench.jar io.timemesh.bench.NtpLoad "timemesh 127.0.0.1:11925,chronyd 127.0.0.1:11924" \
  "$rates" "$seconds"
