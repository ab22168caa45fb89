#!/usr/bin/env bash
# Every benchmark of the proof against chrony, one after the other on this machine, then one table: each
# figure next to its reference from the same run, the ratio, and whether the target was met. The sampling part
# alone waits 25 minutes (five 5-minute warm-ups: each node is measured as in service); each part's own table is
# printed as it finishes and kept in the output directory.
#   bench/run-all.sh
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x /usr/sbin/chronyd ] || ./scripts/install-test-deps
mvn -B -q -DskipTests install # the figures are of the code in this tree
out=$(mktemp -d /tmp/timemesh-bench.XXXX)
bench_jar=bench/target/timemesh-bench.jar

failed=0
# part NAME COMMAND...: runs one benchmark, showing and keeping its output; a failure is reported in the
# summary and the other parts still run.
part() {
  local name=$1
  shift
  printf '\n== %s\n' "$name"
  if ! "$@" 2>&1 | tee "$out/$name.txt"; then
    printf 'SUMMARY\t%s\tthe benchmark failed: see %s\t\t\t\t\t**failed**\n' "$name" "$out/$name.txt" >> "$out/$name.txt"
    failed=1
  fi
}

part selection java -cp "$bench_jar" org.openjdk.jmh.Main SelectionBenchmark -rf csv -rff "$out/selection.csv"
part http bench/http-bench.sh 15
part memory bench/memory-bench.sh
part ntp bench/ntp-bench.sh
part ntp-cost bench/ntp-cost.sh
part nts bench/nts-bench.sh
part sampling java --add-opens java.base/sun.nio.ch=ALL-UNNAMED -cp "$bench_jar" io.timemesh.bench.SamplingBench 100,1000,5000 30 "$out/sampling"
part mesh java --add-opens java.base/sun.nio.ch=ALL-UNNAMED -cp "$bench_jar" io.timemesh.bench.MeshScaleBench 3,8,16 30 "$out/mesh"
part accuracy java --add-opens java.base/sun.nio.ch=ALL-UNNAMED -cp "$bench_jar" io.timemesh.bench.AccuracyBench 90 "$out/accuracy"
part fuzz bench/fuzz.sh 200000

# Selection from JMH's CSV: µs per selection by interval count, and the growth per decade against n log n's.
[ -f "$out/selection.csv" ] && awk -F, 'NR > 1 {gsub(/["\r]/, ""); us[$8] = $5}
  END {
    printf "SUMMARY\tselection\tµs per selection at 10 / 100 / 1,000 / 10,000\t%.2f / %.1f / %.0f / %.0f\t\t\t\t\n",
      us[10], us[100], us[1000], us[10000]
    # n log n grows ×20, ×15, ×13.3 per decade from 10; within 1.5 times that counts (cache effects, noise).
    printf "SUMMARY\tselection\tgrowth per decade (n log n: ×20, ×15, ×13)\t×%.1f, ×%.1f, ×%.1f\t\t\tn log n (≤ 1.5×)\t%s\n",
      us[100] / us[10], us[1000] / us[100], us[10000] / us[1000],
      (us[10] > 0 && us[100] / us[10] <= 30 && us[1000] / us[100] <= 22.5 && us[10000] / us[1000] <= 20 \
        ? "met" : "**missed**")
    printf "SUMMARY\tselection\tµs per selection at 10,000\t%.0f µs\t\t\t≤ 1,000 µs\t%s\n", us[10000],
      (us[10000] > 0 && us[10000] <= 1000 ? "met" : "**missed**")
  }' "$out/selection.csv" > "$out/selection-summary.txt"

printf '\n== Summary (%s, %s; outputs in %s)\n\n' "$(date -u +%Y-%m-%d)" "$(nproc) cores" "$out"
printf '| benchmark | figure | timemesh | reference (same run) | ratio | target | |\n|---|---|---|---|---|---|---|\n'
cat "$out"/selection-summary.txt "$out"/{http,memory,ntp,ntp-cost,nts,sampling,mesh,accuracy,fuzz}.txt 2>/dev/null | awk -F'\t' '$1 == "SUMMARY" {
  printf "| %s | %s | %s | %s | %s | %s | %s |\n", $2, $3, $4, $5, $6, $7, $8 }'
exit "$failed"
