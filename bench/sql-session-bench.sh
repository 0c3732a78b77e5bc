#!/usr/bin/env bash
# Benchmark: a curate with nothing new (answered from the catalog, no SparkSession), and five queries through one
# `bin/stedi sql` session against one query alone, on the STEDI example landing data in a fresh home.
# Usage: BENCH_DIR=/tmp/b bench/sql-session-bench.sh
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
WORK="${BENCH_DIR:-$ROOT/bench/out}/sql-session"
rm -rf "$WORK" && mkdir -p "$WORK"
H="$WORK/home"
for z in customer accelerometer step_trainer; do
  "$ROOT/bin/stedi" load "$z" "$ROOT/examples/landing/$z" --home "$H" --no-progress > /dev/null 2>&1
done
# t OUTFILE CMD...: runs CMD with its output in OUTFILE and prints the wall time in seconds
t() { local out=$1 s; shift; s=$(date +%s.%N); "$@" > "$out" 2>/dev/null; echo "$(date +%s.%N) - $s" | bc; }
echo "first curate (full): $(t "$WORK/full.txt" "$ROOT/bin/stedi" curate --home "$H") s"
# with the class archive `bin/stedi build` records, and without it (STEDI_CLASS_SHARING=off), back to back
[[ -f "$ROOT/curation/target/stedi-curation.jsa" ]] || echo "note: no class archive: run bin/stedi build first"
for i in 1 2 3; do
  for sharing in on off; do
    echo "curate with nothing new #$i, class sharing $sharing: $(STEDI_CLASS_SHARING=$sharing t "$WORK/nochange-$i-$sharing.txt" \
      "$ROOT/bin/stedi" curate --home "$H") s ($(head -1 "$WORK/nochange-$i-$sharing.txt" | grep -o 'no_change' || echo 'NOT no_change'))"
  done
done
Q="SELECT count(*) FROM stedi.accelerometer_trusted"
echo "one query alone: $(t "$WORK/one.txt" "$ROOT/bin/stedi" sql --home "$H" --format csv "$Q") s"
FIVE="$Q; SELECT count(*) FROM stedi.customer_trusted; SELECT count(*) FROM stedi.step_trainer_trusted;
SELECT count(*) FROM stedi.machine_learning_curated; SELECT count(*) FROM stedi.customers_curated;"
s=$(date +%s.%N)
printf '%s\n' "$FIVE" | "$ROOT/bin/stedi" sql --home "$H" --format csv > "$WORK/five.txt" 2>/dev/null
echo "five queries in one session: $(echo "$(date +%s.%N) - $s" | bc) s"
# the warm statement alone: the session prints each statement's time on a terminal only, so time it with a
# script of the same query twice and compare with one
s=$(date +%s.%N)
printf '%s;\n%s;\n' "$Q" "$Q" | "$ROOT/bin/stedi" sql --home "$H" --format csv > /dev/null 2>&1
echo "the same query twice in one session: $(echo "$(date +%s.%N) - $s" | bc) s"
cat "$WORK/five.txt"
