#!/usr/bin/env bash
# Benchmark: incremental curation after 1 % new data at 50 M accelerometer readings, against the same
# semantics recomputed from scratch over the raw JSON landing files (the old Glue way), same machine.
# Usage: bench/curation-incremental-bench.sh [ACCEL_READINGS] (default 50000000)
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
N="${1:-50000000}"
STEPS=$((N / 10))
WORK="${BENCH_DIR:-$ROOT/bench/out}/incremental"
# shellcheck source=spark-flags.sh
source "$ROOT/bench/spark-flags.sh"
rm -rf "$WORK/home" "$WORK/recompute" && mkdir -p "$WORK"
[[ -d "$WORK/landing" ]] || python3 "$ROOT/bench/gen_stedi.py" "$WORK/landing" 10000 "$N" "$STEPS"
[[ -d "$WORK/more" ]] || python3 "$ROOT/bench/gen_stedi.py" "$WORK/more" 10000 $((N / 100)) $((STEPS / 100)) 7 999000000000
export STEDI_JAVA_OPTS="-Xmx8g"
for z in customer accelerometer step_trainer; do
  "$ROOT/bin/stedi" load "$z" "$WORK/landing/$z" --home "$WORK/home" --no-progress 2>/dev/null | head -1
done
# t OUTFILE CMD...: runs CMD with its output in OUTFILE and prints the wall time in seconds
t() { local out=$1 s; shift; s=$(date +%s.%N); "$@" > "$out" 2>/dev/null; echo "$(date +%s.%N) - $s" | bc; }
echo "first full curate: $(t "$WORK/full.txt" "$ROOT/bin/stedi" curate --home "$WORK/home") s"
head -1 "$WORK/full.txt"
# 1 % new readings (the customers are the same: only readings are appended)
for z in accelerometer step_trainer; do
  "$ROOT/bin/stedi" load "$z" "$WORK/more/$z" --home "$WORK/home" --no-progress 2>/dev/null | head -1
done
inc=$(t "$WORK/incremental.txt" "$ROOT/bin/stedi" curate --home "$WORK/home")
head -1 "$WORK/incremental.txt"
echo "incremental curate after 1 % new data: $inc s (Spark start included)"
mkdir -p "$WORK/all/customer" "$WORK/all/accelerometer" "$WORK/all/step_trainer"
for z in customer accelerometer step_trainer; do
  ln -sf "$WORK/landing/$z/$z-1.json" "$WORK/all/$z/a.json"
  [[ $z == customer ]] || ln -sf "$WORK/more/$z/$z-1.json" "$WORK/all/$z/b.json"
done
full=$(t "$WORK/recompute.txt" java -Xmx8g "${FLAGS[@]}" \
  -cp "$ROOT/curation/target/stedi-curation.jar:$ROOT/curation/target/lib/*" \
  "$ROOT/bench/JsonRecompute.java" "$WORK/all" "$WORK/recompute")
echo "recompute from raw JSON (old Glue way): $full s (Spark start included)"
echo "speed-up: $(echo "scale=1; $full / $inc" | bc)x"
