#!/usr/bin/env bash
# Fuzzing on demand: the fuzz suites with a larger budget than CI gives them. CI runs them in every build with
# the budget of <module>/src/test/resources/junit-platform.properties (jqwik.tries.default): 5,000 tries per
# property for the NTP decoder and the NTS records and extension fields (time-core), 1,000 per property for
# the HTTP parameters and the NTP responder (api-verticle). Here the decoder gets TRIES per property and
# api-verticle's suites TRIES/10: an HTTP try is a loopback round trip, some tens of times a decoder try.
# Prints a table; exits 1 when a suite failed.
#   bench/fuzz.sh [tries]     (default 200000: a few minutes on two cores)
set -euo pipefail
cd "$(dirname "$0")/.."
tries=${1:-200000}
# Below this the HTTP suite gets less than CI's budget, too few tries for its coverage check.
[[ "$tries" =~ ^[0-9]+$ && "$tries" -ge 10000 ]] || { echo "usage: bench/fuzz.sh [tries >= 10000]" >&2; exit 2; }
log=$(mktemp)
failed=0
rows=()
summaries=()

# fuzz MODULE TRIES SUITE...: runs the suites (surefire -Dtest patterns) of MODULE with TRIES per property.
fuzz() {
  local module=$1 budget=$2
  shift 2
  local patterns
  patterns=$(IFS=,; echo "$*")
  rm -rf "$module/target/surefire-reports"
  mvn -B -q -pl "$module" -am test -Dtest="$patterns" -Dsurefire.failIfNoSpecifiedTests=false \
    -Djqwik.tries.default="$budget" >> "$log" 2>&1 || failed=1
  local suite report
  for suite in "$@"; do
    report="$module/target/surefire-reports/TEST-$(find "$module/src/test" -name "${suite%%#*}.java" \
      | sed 's|.*/src/test/java/||; s|\.java$||; s|/|.|g').xml"
    if [ ! -f "$report" ]; then
      rows+=("| $suite | - | - | did not run |")
      failed=1
      continue
    fi
    rows+=("| $suite | $(tries_of "$report") | $(attr time "$report") | $(verdict "$report") |")
    # a row of bench/run-all.sh's closing table
    summaries+=("$(printf 'SUMMARY\tfuzz\t%s, %s tries\t%s\t\t\tno exception, no hang\t%s' "$suite" \
      "$(tries_of "$report")" "$(verdict "$report")" "$([ "$(verdict "$report")" = pass ] && echo met || echo '**missed**')")")
  done
}

attr() { grep -o "<testsuite [^>]*" "$2" | grep -o " $1=\"[^\"]*\"" | cut -d'"' -f2; }
# Tries per property as jqwik reported them: "3 × 20000" when alike, else each one.
tries_of() {
  grep -o 'tries = [0-9]*' "$1" | awk '{print $3}' | sort | uniq -c \
    | awk '{n += $1; t[NR] = $2; c[NR] = $1} END {if (NR == 1) printf "%d × %d", n, t[1];
      else for (i = 1; i <= NR; i++) printf "%s%d × %d", (i > 1 ? ", " : ""), c[i], t[i]}'
}
verdict() { [ "$(attr failures "$1")" = 0 ] && [ "$(attr errors "$1")" = 0 ] && echo pass || echo FAIL; }

fuzz time-core "$tries" NtpDecoderProperties NtsParsingProperties
fuzz api-verticle "$((tries / 10))" HttpParameterFuzzProperties 'NtpResponderTest#randomDatagrams*'

printf '\nFuzz suites, %s tries per decoder property, %s per api-verticle property\n' "$tries" "$((tries / 10))"
printf '| suite | properties × tries | seconds | result |\n|---|---|---|---|\n'
printf '%s\n' "${rows[@]}"
printf '%s\n' "${summaries[@]}"
if [ "$failed" -ne 0 ]; then
  echo "a suite failed; Maven's output (jqwik's shrunk sample and seed): $log" >&2
  exit 1
fi
rm -f "$log"
