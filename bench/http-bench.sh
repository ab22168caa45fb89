#!/usr/bin/env bash
# HTTP GET /time: timemesh (synchronised to a local chronyd) against a bare Vert.x endpoint returning a
# constant of the same size, both with deploy/jvm.options, each loaded the same way by wrk in turn on this
# machine, three rounds alternating. Prints a table with the ratio of the rounds' medians (target: timemesh with
# its default configuration, HTTP metrics included, >= 0.95 of the bare endpoint's throughput), and each server's
# CPU per request (user + system time of its whole process over the round, from /proc/PID/stat).
#   bench/http-bench.sh [seconds] [connections]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-15}
connections=${2:-32}
command -v wrk >/dev/null || { sudo=""; [ "$(id -u)" -eq 0 ] || sudo=sudo; $sudo apt-get install -y -qq wrk; }
. bench/lib.sh
start_chronyd 11923
java @deploy/jvm.options -cp bench/target/timemesh-bench.jar io.timemesh.bench.BareEndpoint 18902 > "$work/bare.log" 2>&1 & pids+=($!)
bare_pid=$!
start_synchronised_node 11923 18901
tm_pid=$node_pid
export TIMEMESH_HTTP_METRICS=false # a second node without per-request HTTP metrics
start_synchronised_node 11923 18904
unset TIMEMESH_HTTP_METRICS
lean_pid=$node_pid
for _ in $(seq 30); do curl -sf http://127.0.0.1:18902/time > /dev/null && break; sleep 1; done
bare_idle=$(rss_heap "$bare_pid")
tm_idle=$(rss_heap "$tm_pid")
hz=$(getconf CLK_TCK)
# cpu_ticks PID: user + system time of the whole process so far, in clock ticks (as bench/ntp-cost.sh reads it).
cpu_ticks() { sed 's/.*) //' "/proc/$1/stat" | awk '{print $12 + $13}'; }
# On a shared machine requests/s moves with everyone else's load; the server's CPU per request moves much less.
run() { # name url pid -> appends "requests/s p50 p99 CPU-µs-per-request" to $work/name.rounds
  local before
  before=$(cpu_ticks "$3")
  wrk -t2 -c"$connections" -d"${seconds}s" --latency "$2" > "$work/$1.txt"
  echo "$(awk '/Requests\/sec/ {print $2}' "$work/$1.txt") $(awk '$1=="50%" {print $2}' "$work/$1.txt")" \
    "$(awk '$1=="99%" {print $2}' "$work/$1.txt")" \
    "$(awk -v t=$(($(cpu_ticks "$3") - before)) -v hz="$hz" -v n="$(awk '/ requests in / {print $1}' "$work/$1.txt")" \
      'BEGIN {printf "%.2f", t * 1e6 / hz / n}')" >> "$work/$1.rounds"
}
for url in http://127.0.0.1:18902/time http://127.0.0.1:18901/time http://127.0.0.1:18904/time; do
  wrk -t2 -c"$connections" -d5s "$url" > /dev/null # warm-up: the JIT has compiled the path before any round
done
# Alternating rounds: on a shared machine the load from elsewhere changes by the minute, and each ratio should
# compare endpoints measured under the same load.
for _ in 1 2 3; do
  run bare http://127.0.0.1:18902/time "$bare_pid"
  run timemesh http://127.0.0.1:18901/time "$tm_pid"
  run lean http://127.0.0.1:18904/time "$lean_pid"
done
median() { sort -n "$work/$1.rounds" | sed -n 2p; } # the round with the median requests/s: "rps p50 p99"
read -r bare_rps bare_p50 bare_p99 _ <<< "$(median bare)"
read -r tm_rps tm_p50 tm_p99 _ <<< "$(median timemesh)"
read -r lean_rps lean_p50 lean_p99 _ <<< "$(median lean)"
bare_loaded=$(rss_heap "$bare_pid")
tm_loaded=$(rss_heap "$tm_pid")
printf '\nGET /time under wrk (2 threads, %s connections, three rounds of %s s each, alternating; load average %s)\n' \
  "$connections" "$seconds" "$(cut -d' ' -f1-3 /proc/loadavg)"
for name in bare timemesh lean; do
  printf '%s rounds (requests/s p50 p99 CPU-µs-per-request): %s\n' "$name" "$(paste -sd';' "$work/$name.rounds")"
done
cpu_median() { awk '{print $4}' "$work/$1.rounds" | sort -n | sed -n 2p; } # µs of the server's CPU per request
printf 'CPU µs per request (median round): bare %s, timemesh %s, httpMetrics false %s\n' "$(cpu_median bare)" \
  "$(cpu_median timemesh)" "$(cpu_median lean)"
printf '| endpoint | requests/s (median round) | p50 | p99 | RSS idle | RSS after the load |\n|---|---|---|---|---|---|\n'
printf '| bare Vert.x constant | %s | %s | %s | %s | %s |\n' "$bare_rps" "$bare_p50" "$bare_p99" "$bare_idle" "$bare_loaded"
printf '| timemesh /time | %s | %s | %s | %s | %s |\n' "$tm_rps" "$tm_p50" "$tm_p99" "$tm_idle" "$tm_loaded"
printf '| timemesh /time, httpMetrics false | %s | %s | %s | | |\n' "$lean_rps" "$lean_p50" "$lean_p99"
# http_row FIGURE RPS P50 P99: a summary row against the bare endpoint
http_row() {
  local ratio
  ratio=$(awk -v t="$2" -v b="$bare_rps" 'BEGIN {printf "%.2f", t / b}')
  echo "ratio $1: $ratio (target >= 0.95)"
  summary "HTTP GET /time" "$1" "$2 ($3, $4)" "bare $bare_rps ($bare_p50, $bare_p99)" "$ratio" "≥ 0.95" \
    "$(awk -v r="$ratio" 'BEGIN {print (r >= 0.95 ? "met" : "**missed**")}')"
}
http_row "requests/s (p50, p99), default" "$tm_rps" "$tm_p50" "$tm_p99"
http_row "requests/s (p50, p99), httpMetrics false" "$lean_rps" "$lean_p50" "$lean_p99"
summary "HTTP GET /time" "server CPU µs per request, default (httpMetrics false)" \
  "$(cpu_median timemesh) ($(cpu_median lean))" "bare $(cpu_median bare)" \
  "$(awk -v t="$(cpu_median timemesh)" -v b="$(cpu_median bare)" 'BEGIN {printf "%.2f", t / b}')" "" ""
summary memory "RSS idle, after the HTTP load" "$tm_idle; $tm_loaded" "bare Vert.x $bare_idle; $bare_loaded" "" "" ""
