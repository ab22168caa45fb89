#!/usr/bin/env bash
# Starts an N-node timemesh cluster on this machine (loopback only) and stops it on Ctrl-C.
#   deploy/local-cluster.sh 3 --source 127.0.0.1:123 --poll 16
# Node i serves HTTP on 8123+i; Hazelcast uses 5801+i. Extra arguments go to every node.
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-3}
shift || true
jar=deploy/target/timemesh.jar
[ -f "$jar" ] || mvn -B -q -DskipTests package
members=$(for i in $(seq 0 $((n - 1))); do printf '%s127.0.0.1:%d' "${sep:-}" $((5801 + i)); sep=,; done)
name="timemesh-local-$$"
mkdir -p target/local-cluster
key=target/local-cluster/cluster.key   # one key for every member: they authenticate each other's messages
[ -f "$key" ] || java -jar "$jar" cluster-key "$key"
pids=()
trap 'kill "${pids[@]}" 2>/dev/null; wait; echo stopped' INT TERM EXIT
for i in $(seq 0 $((n - 1))); do
  java -jar "$jar" run --cluster --cluster-key "$key" --cluster-name "$name" --members "$members" --cluster-port $((5801 + i)) \
    --node-name "node-$i" --http-host 127.0.0.1 --http-port $((8123 + i)) "$@" \
    > "target/local-cluster/node-$i.log" 2>&1 &
  pids+=($!)
  echo "node-$i: http://127.0.0.1:$((8123 + i))/time  (log target/local-cluster/node-$i.log)"
done
wait
