#!/usr/bin/env bash
# NTS serving (RFC 8915): timemesh's NTS-KE server and NTS-protected NTP next to chronyd's on the same machine,
# same load generator (io.timemesh.bench.NtsLoad), rate limiting off on both: NTS-KE handshakes per second, and
# NTS replies per second at rising offered load. chronyd runs its NTS-KE in its main process (ntsprocesses 0,
# as the tests start it), timemesh on two handler threads. No target: figures side by side.
#   bench/nts-bench.sh [rates] [seconds]
set -euo pipefail
cd "$(dirname "$0")/.."
rates=${1:-5000,10000,20000,40000}
seconds=${2:-5}
. bench/lib.sh
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 -subj /CN=127.0.0.1 \
  -addext subjectAltName=IP:127.0.0.1 -keyout "$work/key.pem" -out "$work/cert.pem" 2>/dev/null
start_chronyd 11934 "ntsserverkey $work/key.pem
ntsservercert $work/cert.pem
ntsport 11936
ntsdumpdir $work
ntsprocesses 0"
start_synchronised_node 11934 18913 --ntp-port 11935 --nts-ke-port 11937 --nts-certificate "$work/cert.pem" \
  --nts-key "$work/key.pem"
java -cp bench/target/timemesh-bench.jar io.timemesh.bench.NtsLoad \
  "timemesh 127.0.0.1:11937:11935,chronyd 127.0.0.1:11936:11934" "$rates" "$seconds" "$work/cert.pem"
