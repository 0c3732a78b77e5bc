#!/usr/bin/env bash
# Benchmark: bin/stedi load of a generated accelerometer file versus a plain Jackson parse of the same file,
# run right after it. Usage: bench/load-bench.sh [SIZE_MB]   (default 1024)
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
SIZE_MB="${1:-1024}"
WORK="${BENCH_DIR:-$ROOT/bench/out}"
mkdir -p "$WORK"
FILE="$WORK/accelerometer-${SIZE_MB}mb.json"
[[ -f "$FILE" ]] || python3 "$ROOT/bench/gen_accelerometer.py" "$FILE" "$SIZE_MB"
LINES=$(wc -l < "$FILE")
rm -rf "$WORK/home"
"$ROOT/bin/stedi" build >/dev/null 2>&1 || true
echo "file: $FILE ($(du -h "$FILE" | cut -f1), $LINES lines)"
start=$(date +%s.%N)
STEDI_JAVA_OPTS="-Xmx4g" "$ROOT/bin/stedi" load accelerometer "$FILE" --home "$WORK/home" --no-progress
end=$(date +%s.%N)
load_s=$(echo "$end - $start" | bc)
echo "load wall (JVM start included): ${load_s} s, $(echo "$LINES / $load_s" | bc) rows/s"
for mode in tree stream; do
  java -Xmx4g -cp "$ROOT/writer/target/lib/*" "$ROOT/bench/JacksonParseOnly.java" "$FILE" "$mode"
done
