#!/usr/bin/env bash
# NTP serving cost: CPU per reply of the floor (../shared/tools/ntpfloor.c: bare recvmmsg/sendmmsg), chronyd
# and a timemesh node (--ntp-port), each loaded in turn by the same C generator (ntpload.c, 64 client sockets,
# paced) at each offered rate; CPU from /proc/PID/stat (user + system, every thread) before and after each
# step. Rate limiting off on all three; then replies/s with chrony's ratelimit against our ntpRateLimit,
# same settings (interval 3, burst 8, leak 2). Targets (issue 14): CPU per reply <= 1.0x chronyd's and
# <= 1.2x the floor's; replies/s >= chronyd's at every rate, rate limited too; loss < 1 % where chronyd's is.
# The machine may be shared: each rate's three steps run back to back, and CPU per reply is what counts.
# Beside the node's whole CPU, its NTP serving threads' alone, so that the JVM's own work meanwhile shows apart (on
# a node a minute old, mostly the JIT compiler threads still compiling the once-a-second paths).
#   bench/ntp-cost.sh [rates] [seconds]
set -euo pipefail
cd "$(dirname "$0")/.."
rates=${1:-50000,100000,130000}
seconds=${2:-5}
. bench/lib.sh
build_tools ntpload ntpfloor
limits="interval 3 burst 8 leak 2"
hz=$(getconf CLK_TCK)

# cpu_ticks PID: user + system time of the whole process so far, in clock ticks (fields 14 and 15 of stat,
# counted after the parenthesised name, which may hold spaces).
cpu_ticks() { sed 's/.*) //' "/proc/$1/stat" | awk '{print $12 + $13}'; }
# serving_ticks PID: the same for the node's NTP serving threads alone (timemesh-ntp-*), 0 for another process; so
# that what the rest of the JVM spends meanwhile (JIT compiler threads, event loops) shows apart.
serving_ticks() {
  local t stat total=0
  for t in /proc/"$1"/task/*; do
    [[ $(cat "$t/comm" 2>/dev/null) == timemesh-ntp* ]] || continue
    stat=$(cat "$t/stat" 2>/dev/null) || continue # a thread that ended meanwhile
    total=$((total + $(sed 's/.*) //' <<< "$stat" | awk '{print $12 + $13}')))
  done
  echo "$total"
}

# step NAME PID PORT RATE: one load step; sets rps, loss and us (CPU µs per reply) for the table.
step() {
  local before after out received
  before=$(cpu_ticks "$2") serving_before=$(serving_ticks "$2")
  out=$(bench/target/ntpload 127.0.0.1 "$3" "$seconds" "$4")
  sleep 0.3 # a backlog still being answered belongs to this step
  after=$(cpu_ticks "$2") serving_after=$(serving_ticks "$2")
  received=$(sed 's/.*received=\([0-9]*\).*/\1/' <<< "$out")
  rps=$(sed 's/.*replies_per_s=\([0-9]*\).*/\1/' <<< "$out")
  loss=$(sed 's/.*loss=\([0-9.]*\)%.*/\1/' <<< "$out")
  us=$(awk -v t=$((after - before)) -v hz="$hz" -v n="$received" 'BEGIN {printf "%.2f", n ? t * 1e6 / hz / n : 0}')
  serving_us=$(awk -v t=$((serving_after - serving_before)) -v hz="$hz" -v n="$received" \
    'BEGIN {printf "%.2f", n ? t * 1e6 / hz / n : 0}')
  echo "$1 offered=$4 $out cpu_ticks=$((after - before)) serving_thread_ticks=$((serving_after - serving_before))" \
    >> "$work/steps.log"
}

bench/target/ntpfloor 11950 & pids+=($!)
floor_pid=$!
start_chronyd 11951
chronyd_plain=$chronyd_pid
# Bound to 127.0.0.1 as chronyd (bindaddress) and the floor are: the default dual-stack "::" socket costs
# more per reply, IPv4 clients then going through the IPv6 stack as mapped addresses.
echo '{"ntpHost": "127.0.0.1"}' > "$work/plain.json"
# warm_up PORT: load a node's NTP server, unmeasured, so that its figures are of compiled code, as in service; the
# rate-limited node gets the same as the plain one (it had a third less, so C2 could still be compiling in its steps).
warm_up() {
  bench/target/ntpload 127.0.0.1 "$1" 10 50000 > /dev/null
  bench/target/ntpload 127.0.0.1 "$1" 5 100000 > /dev/null
}
start_synchronised_node 11951 18951 --ntp-port 11952 --config "$work/plain.json"
warm_up 11952

printf '\n## NTP serving cost, rate limiting off (%s s a step)\n\n' "$seconds"
printf '| offered/s | replies/s floor / chronyd / timemesh | loss %% floor / chronyd / timemesh | CPU µs per reply floor / chronyd / timemesh | timemesh ÷ chronyd | timemesh ÷ floor | timemesh serving thread alone (÷ floor) |\n'
printf '|---|---|---|---|---|---|---|\n'
for rate in ${rates//,/ }; do
  step floor "$floor_pid" 11950 "$rate"; f_rps=$rps f_loss=$loss f_us=$us
  step chronyd "$chronyd_plain" 11951 "$rate"; c_rps=$rps c_loss=$loss c_us=$us
  step timemesh "$node_pid" 11952 "$rate"; t_rps=$rps t_loss=$loss t_us=$us t_serving=$serving_us
  vs_chronyd=$(awk -v t="$t_us" -v c="$c_us" 'BEGIN {printf "%.2f", t / c}')
  vs_floor=$(awk -v t="$t_us" -v f="$f_us" 'BEGIN {printf "%.2f", t / f}')
  printf '| %s | %s / %s / %s | %s / %s / %s | %s / %s / %s | %s | %s | %s (%s) |\n' "$rate" "$f_rps" "$c_rps" \
    "$t_rps" "$f_loss" "$c_loss" "$t_loss" "$f_us" "$c_us" "$t_us" "$vs_chronyd" "$vs_floor" "$t_serving" \
    "$(awk -v t="$t_serving" -v f="$f_us" 'BEGIN {printf "%.2f", t / f}')"
  met=$(awk -v a="$vs_chronyd" -v b="$vs_floor" 'BEGIN {m = a <= 1.0 && b <= 1.2 ? "met" : "**missed**"; print m}')
  summary ntp-cost "CPU µs per reply at $rate/s (≤ 1.0× chronyd, ≤ 1.2× floor $f_us)" "$t_us" "chronyd $c_us" \
    "$vs_chronyd" "≤ 1.0" "$met" >> "$work/summary"
  met=$(awk -v t="$t_rps" -v c="$c_rps" -v tl="$t_loss" -v cl="$c_loss" \
    'BEGIN {m = t >= c && (cl >= 1 || tl < 1) ? "met" : "**missed**"; print m}')
  summary ntp-cost "replies/s at $rate/s offered (loss $t_loss %, chronyd's $c_loss %)" "$t_rps" "chronyd $c_rps" \
    "$(awk -v t="$t_rps" -v c="$c_rps" 'BEGIN {printf "%.2f", t / c}')" "≥ 1.0" "$met" >> "$work/summary"
done

# Rate limited: one client address (the generator's) far over its credit, so what is answered is the leak.
kill "$node_pid"
wait "$node_pid" 2>/dev/null || true
start_chronyd 11953 "ratelimit $limits"
chronyd_limited=$chronyd_pid
echo '{"ntpHost": "127.0.0.1", "ntpRateLimit": {"interval": 3, "burst": 8, "leak": 2}}' > "$work/limited.json"
start_synchronised_node 11951 18954 --ntp-port 11954 --config "$work/limited.json"
warm_up 11954

printf '\n## Rate limited (chrony ratelimit %s; ntpRateLimit the same)\n\n' "$limits"
# Where the generator cannot send what is offered (2 cores saturated), replies/s follow what it sent; the share of
# the requests sent that were answered is the limiters' own figure.
printf '| offered/s | replies/s chronyd | replies/s timemesh | timemesh ÷ chronyd | answered %% of sent, chronyd / timemesh |\n'
printf '|---|---|---|---|---|\n'
for rate in ${rates//,/ }; do
  step chronyd-limited "$chronyd_limited" 11953 "$rate"; c_rps=$rps; c_loss=$loss
  step timemesh-limited "$node_pid" 11954 "$rate"; t_rps=$rps; t_loss=$loss
  ratio=$(awk -v t="$t_rps" -v c="$c_rps" 'BEGIN {printf "%.2f", c ? t / c : 0}')
  answered=$(awk -v c="$c_loss" -v t="$t_loss" 'BEGIN {printf "%.2f / %.2f", 100 - c, 100 - t}')
  printf '| %s | %s | %s | %s | %s |\n' "$rate" "$c_rps" "$t_rps" "$ratio" "$answered"
  summary ntp-cost "replies/s rate limited at $rate/s offered (answered % of sent, chronyd / timemesh: $answered)" \
    "$t_rps" "chronyd $c_rps" "$ratio" "≥ 1.0" \
    "$(awk -v r="$ratio" 'BEGIN {m = r >= 1.0 ? "met" : "**missed**"; print m}')" >> "$work/summary"
done
printf '\nThe generator'"'"'s own lines: \n'
cat "$work/steps.log"
echo
cat "$work/summary"
