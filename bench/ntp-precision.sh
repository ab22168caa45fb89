#!/usr/bin/env bash
# What an NTP client sees of our server next to chronyd's: `timemesh query` (kernel T1 and T4) asks a local chronyd
# and a node serving NTP from that chronyd, and takes the least-delay exchange of 30 (64 at the short interval); δ
# and θ of each, three rounds with requests 100 ms apart (the server idle between them), then three with requests
# 2 ms apart (kept busy), after a warm-up. The node's T2 is the kernel's receive stamp (BatchedDatagrams), as chronyd's
# is. No target: the figures go in the README.
#   bench/ntp-precision.sh
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
build_tools ntpload
start_chronyd 12101
sleep 1
start_synchronised_node 12101 18101 --ntp-port 12102
# JIT warm-up, unmeasured, as bench/ntp-cost.sh does: a server's answers come from compiled code once it has
# served a few thousand requests, as in service; chronyd's are compiled C from the start.
bench/target/ntpload 127.0.0.1 12102 10 20000 > /dev/null
sleep 10
grep -h "T2 from" "$work"/node-*.log || echo "the node did not say how it takes T2"
for spacing in "30 0.1" "64 0.002"; do
  set -- $spacing
  echo "requests $2 s apart, least delay of $1:"
  for round in 1 2 3; do
    # The query's table: server, stratum, refid, leap, offset, delay (s), ...
    java -jar deploy/target/timemesh.jar query --samples "$1" --interval "$2" 127.0.0.1:12101 127.0.0.1:12102 \
      2>/dev/null | awk '$1 ~ /:1210[12]$/ {printf "  %s  delay %6.1f us  offset %+6.1f us\n",
          ($1 ~ /12101$/ ? "chronyd " : "timemesh"), $6 * 1e6, $5 * 1e6}'
  done
done
