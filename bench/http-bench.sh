#!/usr/bin/env bash
# HTTP GET /time: timemesh (synchronised to a local chronyd) against a bare Vert.x endpoint returning a
# constant of the same size, each loaded the same way by wrk in turn on this machine. Prints a table
# with the ratio (target: timemesh >= 0.8 of the bare endpoint's throughput).
#   bench/http-bench.sh [seconds] [connections]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-15}
connections=${2:-32}
command -v wrk >/dev/null || { sudo=""; [ "$(id -u)" -eq 0 ] || sudo=sudo; $sudo apt-get install -y -qq wrk; }
. bench/lib.sh
start_chronyd 11923
java -cp bench/target/timemesh-bench.jar io.timemesh.bench.BareEndpoint 18902 > "$work/bare.log" 2>&1 & pids+=($!)
bare_pid=$!
start_synchronised_node 11923 18901
tm_pid=$node_pid
export TIMEMESH_HTTP_METRICS=false # a second node without per-request HTTP metrics
start_synchronised_node 11923 18904
unset TIMEMESH_HTTP_METRICS
lean_pid=$node_pid
for _ in $(seq 30); do curl -sf http://127.0.0.1:18902/time > /dev/null && break; sleep 1; done
bare_idle=$(rss_mib "$bare_pid")
tm_idle=$(rss_mib "$tm_pid")
run() { # name url -> "requests/s p50 p99"
  wrk -t2 -c"$connections" -d5s "$2" > /dev/null                     # warm-up
  wrk -t2 -c"$connections" -d"${seconds}s" --latency "$2" > "$work/$1.txt"
  rps=$(awk '/Requests\/sec/ {print $2}' "$work/$1.txt")
  p50=$(awk '$1=="50%" {print $2}' "$work/$1.txt")
  p99=$(awk '$1=="99%" {print $2}' "$work/$1.txt")
  echo "$rps $p50 $p99"
}
read -r bare_rps bare_p50 bare_p99 <<< "$(run bare http://127.0.0.1:18902/time)"
read -r tm_rps tm_p50 tm_p99 <<< "$(run timemesh http://127.0.0.1:18901/time)"
read -r lean_rps lean_p50 lean_p99 <<< "$(run lean http://127.0.0.1:18904/time)"
bare_loaded=$(rss_mib "$bare_pid")
tm_loaded=$(rss_mib "$tm_pid")
printf '\nGET /time under wrk (2 threads, %s connections, %s s each, one after the other on this machine)\n' "$connections" "$seconds"
printf '| endpoint | requests/s | p50 | p99 | RSS idle | RSS after the load |\n|---|---|---|---|---|---|\n'
printf '| bare Vert.x constant | %s | %s | %s | %s MiB | %s MiB |\n' "$bare_rps" "$bare_p50" "$bare_p99" "$bare_idle" "$bare_loaded"
printf '| timemesh /time | %s | %s | %s | %s MiB | %s MiB |\n' "$tm_rps" "$tm_p50" "$tm_p99" "$tm_idle" "$tm_loaded"
printf '| timemesh /time, httpMetrics false | %s | %s | %s | | |\n' "$lean_rps" "$lean_p50" "$lean_p99"
# http_row FIGURE RPS P50 P99: a summary row against the bare endpoint
http_row() {
  local ratio
  ratio=$(awk -v t="$2" -v b="$bare_rps" 'BEGIN {printf "%.2f", t / b}')
  echo "ratio $1: $ratio (target >= 0.80)"
  summary "HTTP GET /time" "$1" "$2 ($3, $4)" "bare $bare_rps ($bare_p50, $bare_p99)" "$ratio" "≥ 0.80" \
    "$(awk -v r="$ratio" 'BEGIN {print (r >= 0.8 ? "met" : "**missed**")}')"
}
http_row "requests/s (p50, p99), default" "$tm_rps" "$tm_p50" "$tm_p99"
http_row "requests/s (p50, p99), httpMetrics false" "$lean_rps" "$lean_p50" "$lean_p99"
summary memory "RSS idle, after the HTTP load" "$tm_idle, $tm_loaded MiB" "bare Vert.x $bare_idle, $bare_loaded MiB" \
  "$(awk -v t="$tm_loaded" -v b="$bare_loaded" 'BEGIN {printf "%.1f", t / b}')" "" ""
