#!/usr/bin/env bash
# Benchmark 3: freshness, the time from a reading's MQTT acknowledgement to its visibility in
# stedi.step_trainer_landing read through the Iceberg catalog, while the simulator drives background load.
# Usage: bench/freshness-bench.sh [DEVICES] [RATE_PER_DEVICE] [SECONDS]   (default 100 50 60: 5000 msgs/s)
set -euo pipefail
source "$(dirname "$0")/lib.sh"
DEVICES="${1:-100}"
RATE="${2:-50}"
SECS="${3:-60}"
hold_build_lock
snapshot_dist
OUT="$WORK/freshness"
rm -rf "$OUT" && mkdir -p "$OUT"
"$STEDI" devices provision --home "$OUT/home" --devices "$DEVICES" --prefix bench --out "$OUT/creds.json" 2>/dev/null
"$STEDI" devices provision --home "$OUT/home" --devices 1 --prefix zzzprobe --out "$OUT/probe.json" 2>/dev/null
PROBE_SECRET=$(jq -r '.devices[0].secret' "$OUT/probe.json")
echo "# freshness-bench $(date -u +%FT%TZ) on $(machine); background $DEVICES devices x $RATE/s, ${SECS}s"
start_gateway "$OUT/home" "$OUT/gateway.log" 0 0
sim_run "$OUT/background.json" --devices "$DEVICES" --rate "$RATE" --duration "$((SECS + 10))s" --qos 1 \
  --mqtt "mqtt://127.0.0.1:$GW_MQTT" --credentials "$OUT/creds.json" --ledger "$OUT/background.ledger" >"$OUT/background.txt" &
SIM=$!
sleep 5
java -Xmx1g -cp "$WORK/dist/device-sim/target/lib/*" "$ROOT/bench/FreshnessProbe.java" "$GW_MQTT" zzzprobe-st-1 \
  "$PROBE_SECRET" "$OUT/home" "$SECS" 100 2>"$OUT/probe.err" | tee "$OUT/result.txt"
wait "$SIM"
echo "background: $(cat "$OUT/background.txt")"
stop_gateway
