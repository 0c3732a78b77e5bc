#!/usr/bin/env bash
# Alternating bulk loads of builds side by side (issue 12): each argument is a folder holding a build's dist
# (bin/stedi and the module jars, as bench/lib.sh's snapshot_dist makes: BENCH_DIR/dist); each round loads FILE with
# every build in turn into a fresh home, under /usr/bin/time, and prints wall, user and system CPU.
# Usage: FILE=accelerometer.json ROUNDS=3 bench/load-ab.sh DIST_A DIST_B ...
set -euo pipefail
FILE="${FILE:?FILE=a JSON-lines accelerometer file (bench/gen_accelerometer.py makes one)}"
ROUNDS="${ROUNDS:-3}"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
echo "# load-ab $(date -u +%FT%TZ); $(nproc) cores; $FILE; $ROUNDS rounds"
for i in $(seq 1 "$ROUNDS"); do
  for dist in "$@"; do
    rm -rf "$WORK/home"
    /usr/bin/time -f "%e %U %S" -o "$WORK/time" env STEDI_CLASS_SHARING=off STEDI_JAVA_OPTS=-Xmx4g \
      "$dist/bin/stedi" load accelerometer "$FILE" --home "$WORK/home" --no-progress >"$WORK/out" 2>&1
    read -r wall user sys <"$WORK/time"
    echo "$dist: wall ${wall} s, user ${user} s, sys ${sys} s; $(grep -o 'in [0-9.]* s ([0-9,]* rows/s)' "$WORK/out")"
  done
done
