#!/usr/bin/env bash
# Runs every cargo-fuzz target of fuzz/ for SECONDS each (60 by default) and prints how long
# each ran, how many inputs it tried and whether it found a crash. A crash is saved by
# libFuzzer under fuzz/artifacts/TARGET/; turn it into a fixture (fixtures/hostile/parse/) with
# the outcome it must have, fix the code, and run the target again.
#
#   scripts/fuzz.sh 300                  # five minutes per target
#   TARGETS="sanitise dates" scripts/fuzz.sh 60
#
# Needs the nightly toolchain and cargo-fuzz (`cargo install cargo-fuzz`). The corpus of each
# target starts from the bundled partner fixtures and the hostile cases.
set -uo pipefail

SECONDS_EACH=${1:-60}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT/fuzz" || exit 1
TARGETS=${TARGETS:-$(cargo +nightly fuzz list)}
# Memory per input: the parsers must stay far below this on any input of libFuzzer's sizes.
RSS_LIMIT_MB=${RSS_LIMIT_MB:-2048}

seed_corpus() {
  local target=$1 dir=corpus/$1
  mkdir -p "$dir"
  case $target in
    parse_auto)
      cp "$ROOT"/fixtures/partners/* "$ROOT"/fixtures/hostile/parse/*.{xml,json} "$dir"/ 2>/dev/null ;;
    parse_declared)
      local i=0
      for f in "$ROOT"/fixtures/partners/* "$ROOT"/fixtures/hostile/parse/*.{xml,json}; do
        [[ -f $f ]] || continue
        for choice in 1 2 3 4 5 6 7 8 9; do
          { printf "\\x$(printf %02x "$choice")"; cat "$f"; } >"$dir/seed-$i-$choice"
        done
        i=$((i + 1))
      done ;;
    sanitise)
      printf '<p>Lieu : Lyon<br/>Contrat : CDI</p><ul><li>A &amp; B</li></ul>' >"$dir/simple"
      printf '<div style="x"><a href="javascript:alert(1)">x</a><script>y()</script><table><tr><td>1<td>2</table></div>' >"$dir/full" ;;
    dates)
      printf '%s\n' "Fri, 20 Nov 2026 10:00:00 GMT" "20/11/2026" "19.11.2026" "lundi 3 mars" "2026-11-20T10:00:00+01:00" |
        split -l 1 - "$dir/d-" ;;
    place)
      printf '%s\n' "Lyon (69)" "69100 Villeurbanne" "Côtes-d'Armor" "51 - REIMS" "Saint-Denis (974)" |
        split -l 1 - "$dir/p-" ;;
    contract)
      printf '%s\n' "CDI, Temps partiel" "CDD de 6 mois" "Contrat à durée déterminée - 6 Mois" "24h/semaine" |
        split -l 1 - "$dir/c-" ;;
    salary)
      printf '%s\n' "11,88 € brut de l'heure" "Mensuel de 1900,00 Euros à 2100,00 Euros sur 12 mois" "selon CCN 66" "30 k€/an" |
        split -l 1 - "$dir/s-" ;;
  esac
}

status=0
printf '%-16s %8s %12s  %s\n' target seconds inputs result
for t in $TARGETS; do
  seed_corpus "$t"
  log=$(mktemp)
  start=$(date +%s)
  cargo +nightly fuzz run "$t" -- -max_total_time="$SECONDS_EACH" -rss_limit_mb="$RSS_LIMIT_MB" \
    -max_len=1048576 -timeout=20 >"$log" 2>&1
  code=$?
  took=$(($(date +%s) - start))
  runs=$(grep -oE '^#[0-9]+' "$log" | tail -1 | tr -d '#')
  if ((code == 0)); then
    result="no crash"
  else
    result="CRASH (exit $code): $(grep -m1 -E 'Test unit written to|ERROR' "$log" || tail -1 "$log")"
    status=1
  fi
  printf '%-16s %8s %12s  %s\n' "$t" "$took" "${runs:-?}" "$result"
  rm -f "$log"
done
exit $status
