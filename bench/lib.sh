# Shared by the bench scripts: prerequisites, a throwaway chronyd on loopback, a timemesh node synchronised
# to it, and cleanup of everything started. Source it from the repository root.
[ -x /usr/sbin/chronyd ] || ./scripts/install-test-deps
[ -f bench/target/timemesh-bench.jar ] || mvn -B -q -DskipTests install
work=$(mktemp -d)
pids=()
cleanup() { kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

# build_tools NAME...: the C tools of ../shared/tools (ntpload.c, ntpfloor.c) compiled into bench/target, again only
# when the source is newer.
build_tools() {
  local tools=../shared/tools tool
  [ -d "$tools" ] || tools=/work/shared/tools
  mkdir -p bench/target
  for tool in "$@"; do
    [ "bench/target/$tool" -nt "$tools/$tool.c" ] || gcc -O2 -o "bench/target/$tool" "$tools/$tool.c"
  done
}

# start_chronyd PORT [DIRECTIVE]: a local-stratum-1 chronyd on 127.0.0.1:PORT that never touches this machine's
# clock, with one more chrony.conf line if given (e.g. "ratelimit interval 3 burst 8 leak 2").
start_chronyd() {
  cat > "$work/chrony-$1.conf" <<CONF
port $1
bindaddress 127.0.0.1
local stratum 1
allow 127.0.0.0/8
cmdport 0
pidfile $work/chronyd-$1.pid
${2:-}
CONF
  /usr/sbin/chronyd -x -d -u root -f "$work/chrony-$1.conf" > "$work/chronyd-$1.log" 2>&1 & pids+=($!)
  chronyd_pid=$!
}

# start_synchronised_node SOURCE_PORT HTTP_PORT [run options...]: a node (with the JVM options the systemd unit and
# the Kubernetes manifest use) polling the chronyd each second, returning once it serves SYNCHRONIZED time.
start_synchronised_node() {
  local source=$1 http=$2
  shift 2
  java @deploy/jvm.options -jar deploy/target/timemesh.jar run --source "127.0.0.1:$source" --poll 1 --http-host 127.0.0.1 \
    --http-port "$http" "$@" > "$work/node-$http.log" 2>&1 & pids+=($!)
  node_pid=$!
  for _ in $(seq 60); do curl -sf "http://127.0.0.1:$http/time" | grep -q SYNCHRONIZED && return 0; sleep 1; done
  echo "the node did not synchronise; see $work/node-$http.log" >&2
  return 1
}

# rss_mib PID: the process's resident set size in MiB, as top shows it.
rss_mib() { awk '/^VmRSS:/ {printf "%.0f", $2 / 1024}' "/proc/$1/status"; }

# heap_mib PID: the Java heap in use in MiB (survivor, eden and old spaces, as jstat -gc shows them), so what RSS
# holds beyond the heap (metaspace, code, stacks, buffers) is visible next to it.
heap_mib() { jstat -gc "$1" | awk 'NR == 2 {printf "%.0f", ($3 + $4 + $6 + $8) / 1024}'; }

# rss_heap PID: "RSS MiB (heap H MiB)"
rss_heap() { echo "$(rss_mib "$1") MiB (heap $(heap_mib "$1") MiB)"; }

# summary BENCHMARK FIGURE TIMEMESH REFERENCE RATIO TARGET MET: a row of bench/run-all.sh's closing table
# (the format of io.timemesh.bench.Summary).
summary() { printf 'SUMMARY\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$@"; }
