#!/usr/bin/env bash
# Benchmark: bin/stedi curate on a STEDI-sized data set (1k customers, 80k accelerometer, 30k step readings),
# a full run and then a run with no new data, both with Spark start included (wall time of the command).
# Usage: bench/curation-bench.sh
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
WORK="${BENCH_DIR:-$ROOT/bench/out}/curation"
rm -rf "$WORK" && mkdir -p "$WORK"
python3 "$ROOT/bench/gen_stedi.py" "$WORK/landing" 1000 80000 30000
for z in customer accelerometer step_trainer; do
  "$ROOT/bin/stedi" load "$z" "$WORK/landing/$z" --home "$WORK/home" --no-progress 2>/dev/null | head -1
done
for run in full no-new-data; do
  start=$(date +%s.%N)
  "$ROOT/bin/stedi" curate --home "$WORK/home" 2>/dev/null
  end=$(date +%s.%N)
  echo "curate ($run): $(echo "$end - $start" | bc) s wall, Spark start included"
done
