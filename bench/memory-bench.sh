#!/usr/bin/env bash
# A node's memory and start-up with deploy/jvm.options (the systemd unit's and the Kubernetes manifest's JVM
# options): time from the JVM's start to the first SYNCHRONIZED /time against three local chronyds with iburst
# (three starts, the median; target 3 s), RSS next to the heap in use idle (target 128 MiB) and at its highest
# while HTTP and NTP load it together (target 192 MiB), the same node started as the README starts it (no JVM
# option) for comparison, and a cluster member's RSS idle (three starts, the median; `member` as the second
# argument measures only that).
#   bench/memory-bench.sh [load seconds] [member]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-20}
only=${2:-}
command -v wrk >/dev/null || { sudo=""; [ "$(id -u)" -eq 0 ] || sudo=sudo; $sudo apt-get install -y -qq wrk; }
. bench/lib.sh
start_chronyd 11931
start_chronyd 11932
start_chronyd 11933
sources=(--source 127.0.0.1:11931 --source 127.0.0.1:11932 --source 127.0.0.1:11933)

# start_node NAME JVM_OPTIONS...: a node with the default poll (iburst, then 64 s) and an NTP port (and the run
# options in $run_options, if any); sets node_pid, start_ms, the milliseconds from its start to its first
# SYNCHRONIZED answer (polled every 20 ms), and up_ms, those to the moment it said it serves (JVM and verticles
# started, and Hazelcast for a cluster member; sampling begins).
run_options=()
start_node() {
  local name=$1 begin
  up_ms=""
  shift
  begin=$(date +%s%N)
  java "$@" -jar deploy/target/timemesh.jar run "${sources[@]}" --http-host 127.0.0.1 --http-port 18931 \
    --ntp-port 11934 "${run_options[@]}" > "$work/node-$name.log" 2>&1 & pids+=($!)
  node_pid=$!
  for _ in $(seq 1500); do
    if [ -z "$up_ms" ] && grep -q "serving http" "$work/node-$name.log"; then
      up_ms=$((($(date +%s%N) - begin) / 1000000))
    fi
    if curl -sf http://127.0.0.1:18931/time 2> /dev/null | grep -q '"status":"SYNCHRONIZED"'; then
      start_ms=$((($(date +%s%N) - begin) / 1000000))
      return 0
    fi
    sleep 0.02
  done
  echo "the node did not synchronise; see $work/node-$name.log" >&2
  return 1
}
stop_node() { kill "$node_pid"; wait "$node_pid" 2> /dev/null || true; }

# measure_member: a cluster member (a cluster of one) idle 30 s after its start, with deploy/jvm.options, three
# starts: sets member_idle and member_idle_heap (the median start's), member_all (each start's RSS)
measure_member() {
  java -jar deploy/target/timemesh.jar cluster-key "$work/cluster.key" > /dev/null
  run_options=(--cluster --cluster-key "$work/cluster.key" --cluster-port 11935 --cluster-name "memory-bench-$$")
  local rows=()
  for i in 1 2 3; do
    start_node "member-$i" @deploy/jvm.options
    sleep 30
    rows+=("$(rss_mib "$node_pid") $(heap_mib "$node_pid")")
    stop_node
  done
  run_options=()
  read -r member_idle member_idle_heap < <(printf '%s\n' "${rows[@]}" | sort -n | sed -n 2p)
  member_all=$(printf '%s\n' "${rows[@]}" | cut -d' ' -f1 | paste -sd' ')
}
met() { awk -v v="$1" -v t="$2" 'BEGIN {print (v <= t ? "met" : "**missed**")}'; }
member_rows() {
  printf '| RSS idle (heap in use), a cluster member (--cluster), deploy/jvm.options (three starts) | %s MiB (%s MiB; %s) | | ≤ 128 MiB |\n' \
    "$member_idle" "$member_idle_heap" "$member_all"
}
member_summary() {
  summary memory "RSS idle (heap in use), a cluster member (--cluster), deploy/jvm.options" \
    "$member_idle MiB (heap $member_idle_heap MiB)" "" "" "≤ 128 MiB" "$(met "$member_idle" 128)"
}
if [ "$only" = member ]; then
  measure_member
  printf '\nA cluster member against three local chronyds (load average %s)\n' "$(cut -d' ' -f1-3 /proc/loadavg)"
  printf '| figure | deploy/jvm.options | | target |\n|---|---|---|---|\n'
  member_rows
  member_summary
  exit 0
fi

starts=()
ups=()
for i in 1 2 3; do
  start_node "start-$i" @deploy/jvm.options
  starts+=("$start_ms")
  ups+=("${up_ms:-?}")
  stop_node
done
start_median=$(printf '%s\n' "${starts[@]}" | sort -n | sed -n 2p)

# peak_during SECONDS PID: the highest RSS (MiB) sampled every 0.2 s for SECONDS
peak_during() {
  local end=$((SECONDS + $1)) peak=0 now
  while [ "$SECONDS" -lt "$end" ]; do
    now=$(rss_mib "$2")
    [ "$now" -gt "$peak" ] && peak=$now
    sleep 0.2
  done
  echo "$peak"
}
# measure NAME JVM_OPTIONS...: idle RSS and heap after 30 s, then the highest RSS under HTTP and NTP load together
measure() {
  local name=$1
  shift
  start_node "$name" "$@"
  sleep 30 # iburst done, the start's garbage collected, the native heap trimmed
  idle_rss=$(rss_mib "$node_pid")
  idle_heap=$(heap_mib "$node_pid")
  wrk -t1 -c32 -d"${seconds}s" http://127.0.0.1:18931/time > "$work/wrk-$name.txt" &
  local wrk_pid=$!
  java -Xmx64m -cp bench/target/timemesh-bench.jar io.timemesh.bench.NtpLoad "timemesh 127.0.0.1:11934" 20000 \
    "$seconds" > "$work/ntp-$name.txt" &
  local ntp_pid=$!
  loaded_rss=$(peak_during "$seconds" "$node_pid")
  loaded_heap=$(heap_mib "$node_pid")
  wait "$wrk_pid" "$ntp_pid"
  http_rps=$(awk '/Requests\/sec/ {printf "%.0f", $2}' "$work/wrk-$name.txt")
  ntp_rps=$(awk -F'|' '$2 ~ /20000/ {gsub(/ /, "", $3); print $3}' "$work/ntp-$name.txt")
  stop_node
}
measure options @deploy/jvm.options
opt_idle=$idle_rss opt_idle_heap=$idle_heap opt_loaded=$loaded_rss opt_loaded_heap=$loaded_heap
opt_http=$http_rps opt_ntp=$ntp_rps
measure none
none_idle=$idle_rss none_idle_heap=$idle_heap none_loaded=$loaded_rss none_loaded_heap=$loaded_heap
# A cluster member with the same options: what the Hazelcast member a single node no longer runs costs.
measure_member

printf '\nA node against three local chronyds (load average %s)\n' "$(cut -d' ' -f1-3 /proc/loadavg)"
printf '| figure | deploy/jvm.options | no JVM option (README run command) | target |\n|---|---|---|---|\n'
printf '| start to first SYNCHRONIZED (three starts; of which started and serving) | %s ms (%s; %s) | | ≤ 3000 ms |\n' \
  "$start_median" "${starts[*]}" "${ups[*]}"
printf '| RSS idle (heap in use) | %s MiB (%s MiB) | %s MiB (%s MiB) | ≤ 128 MiB |\n' "$opt_idle" "$opt_idle_heap" \
  "$none_idle" "$none_idle_heap"
printf '| highest RSS under HTTP and NTP load together (heap in use after) | %s MiB (%s MiB) | %s MiB (%s MiB) | ≤ 192 MiB |\n' \
  "$opt_loaded" "$opt_loaded_heap" "$none_loaded" "$none_loaded_heap"
member_rows
printf '(the load: wrk, 32 connections, %s HTTP requests/s served, with NTP at 20,000 offered, %s replies/s, for %s s)\n' \
  "$opt_http" "$opt_ntp" "$seconds"
summary memory "start to first SYNCHRONIZED, 3 chronyds, iburst" "$start_median ms" "" "" "≤ 3,000 ms" \
  "$(met "$start_median" 3000)"
summary memory "RSS idle (heap in use), deploy/jvm.options" "$opt_idle MiB (heap $opt_idle_heap MiB)" \
  "no JVM option: $none_idle MiB (heap $none_idle_heap MiB)" "" "≤ 128 MiB" "$(met "$opt_idle" 128)"
member_summary
summary memory "RSS under HTTP + NTP load (heap in use)" "$opt_loaded MiB (heap $opt_loaded_heap MiB)" \
  "no JVM option: $none_loaded MiB (heap $none_loaded_heap MiB)" "" "≤ 192 MiB" "$(met "$opt_loaded" 192)"
