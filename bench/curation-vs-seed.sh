#!/usr/bin/env bash
# Benchmark (issue 14): a full `bin/stedi curate` against the seed's way (bench/JsonRecompute.java: Spark over
# the raw landing JSON, the same five jobs, written as Parquet), back to back on the same machine, whole
# processes with Spark start included. Prints both wall times and their ratio.
# Usage: bench/curation-vs-seed.sh LANDING_DIR            (a folder with customer/ accelerometer/ step_trainer/)
#        bench/curation-vs-seed.sh gen CUSTOMERS ACCEL STEPS (generates the data with bench/gen_stedi.py first)
#        RUNS=N repeats the pair N times (default 1).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
WORK="${BENCH_DIR:-$ROOT/bench/out}/vs-seed"
mkdir -p "$WORK"
if [[ "$1" == gen ]]; then
  LANDING="$WORK/gen-$2-$3-$4"
  [[ -d "$LANDING" ]] || python3 "$ROOT/bench/gen_stedi.py" "$LANDING" "$2" "$3" "$4"
else
  LANDING="$(cd "$1" && pwd)"
fi
# shellcheck source=spark-flags.sh
source "$ROOT/bench/spark-flags.sh"
export STEDI_JAVA_OPTS="${STEDI_JAVA_OPTS:--Xmx8g}"
rm -rf "$WORK/home"
for z in customer accelerometer step_trainer; do
  "$ROOT/bin/stedi" load "$z" "$LANDING/$z" --home "$WORK/home" --no-progress 2>/dev/null | head -1
done
# JsonRecompute reads one folder per zone; the landing folders are used as they are
t() { local out=$1 s; shift; s=$(date +%s.%N); "$@" > "$out" 2>&1; echo "$(date +%s.%N) - $s" | bc; }
for run in $(seq 1 "${RUNS:-1}"); do
  # a full run each time: the runs table is dropped so that the no-change check does not answer
  rm -rf "$WORK/recompute"
  "$ROOT/bin/stedi" sql --home "$WORK/home" "DROP TABLE IF EXISTS stedi.curation_runs" >/dev/null 2>&1 || true
  ours=$(t "$WORK/curate.txt" "$ROOT/bin/stedi" curate --home "$WORK/home")
  seed=$(t "$WORK/seed.txt" java -Xmx8g "${FLAGS[@]}" \
    -cp "$ROOT/curation/target/stedi-curation.jar:$ROOT/curation/target/lib/*" \
    "$ROOT/bench/JsonRecompute.java" "$LANDING" "$WORK/recompute")
  grep -m1 -i "rows\|status" "$WORK/curate.txt" || true
  echo "run $run: curate $ours s, seed's way $seed s, ratio $(echo "scale=2; $ours / $seed" | bc)"
done
