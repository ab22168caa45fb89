#!/usr/bin/env bash
# NTP serving: timemesh's --ntp-port against chronyd on the same machine, same load generator, rising
# offered load, rate limiting off on both (chrony's default; timemesh's default). Target: >= chronyd's rate.
#   bench/ntp-bench.sh [rates] [seconds]
set -euo pipefail
cd "$(dirname "$0")/.."
rates=${1:-5000,10000,20000,40000,80000}
seconds=${2:-5}
. bench/lib.sh
start_chronyd 11924
start_synchronised_node 11924 18903 --ntp-port 11925
tm_idle=$(rss_mib "$node_pid")
tm_idle_heap=$(heap_mib "$node_pid")
chronyd_idle=$(rss_mib "$chronyd_pid")
java -cp bench/target/timemesh-bench.jar io.timemesh.bench.NtpLoad "timemesh 127.0.0.1:11925,chronyd 127.0.0.1:11924" \
  "$rates" "$seconds"
printf '\n| RSS | idle | after the load |\n|---|---|---|\n'
tm_loaded=$(rss_mib "$node_pid")
tm_loaded_heap=$(heap_mib "$node_pid")
chronyd_loaded=$(rss_mib "$chronyd_pid")
printf '| timemesh | %s MiB (heap %s MiB) | %s MiB (heap %s MiB) |\n| chronyd | %s MiB | %s MiB |\n' "$tm_idle" \
  "$tm_idle_heap" "$tm_loaded" "$tm_loaded_heap" "$chronyd_idle" "$chronyd_loaded"
summary memory "RSS idle, after the NTP load" "$tm_idle, $tm_loaded MiB (heap $tm_idle_heap, $tm_loaded_heap MiB)" "chronyd $chronyd_idle, $chronyd_loaded MiB" \
  "$(awk -v t="$tm_loaded" -v b="$chronyd_loaded" 'BEGIN {printf "%.0f", t / b}')" "" ""
