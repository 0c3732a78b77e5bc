#!/usr/bin/env bash
# Benchmark 4: the gateway's memory with DEVICES connected Step Trainers, each publishing one reading every
# 1/RATE s (QoS 1) for SOAK seconds. Samples RSS (/proc) and heap (jstat: eden+survivor+old used, and old used,
# which only grows if something leaks) every 30 s. Usage: bench/memory-soak.sh [DEVICES] [RATE] [SOAK_SECONDS]
# (default 10000 0.33 600)
set -euo pipefail
source "$(dirname "$0")/lib.sh"
DEVICES="${1:-10000}"
RATE="${2:-0.33}"
SOAK="${3:-600}"
hold_build_lock
snapshot_dist
OUT="$WORK/memory"
rm -rf "$OUT" && mkdir -p "$OUT"
"$STEDI" devices provision --home "$OUT/home" --devices "$DEVICES" --prefix soak --out "$OUT/creds.json" 2>/dev/null
echo "# memory-soak $(date -u +%FT%TZ) on $(machine); $DEVICES devices at $RATE/s each, ${SOAK}s"
GW_JAVA_OPTS="${GW_JAVA_OPTS:--Xmx1g}" start_gateway "$OUT/home" "$OUT/gateway.log" 0 0 -c gateway.mqtt.max-keep-alive-seconds=600
JPID=$(pgrep -f "gateway --home $OUT/home" | tail -1)
SIM_JAVA_OPTS="-Xmx6g" sim_run "$OUT/soak.json" --devices "$DEVICES" --rate "$RATE" --duration "${SOAK}s" --qos 1 \
  --mqtt "mqtt://127.0.0.1:$GW_MQTT" --credentials "$OUT/creds.json" --ledger "$OUT/soak.ledger" \
  -c sim.drain-timeout=60s >"$OUT/soak.txt" &
SIM=$!
printf "%8s %10s %10s %10s %10s %8s\n" t_s rss_mb heap_mb old_mb devices acked | tee "$OUT/samples.txt"
t0=$(date +%s)
while kill -0 "$SIM" 2>/dev/null; do
  sleep 30
  kill -0 "$JPID" 2>/dev/null || break
  rss=$(awk '/VmRSS/{print int($2/1024)}' "/proc/$JPID/status")
  read -r heap old < <(jstat -gc "$JPID" | awk 'NR==2{printf "%d %d\n", ($3+$4+$6+$8)/1024, $8/1024}')
  m=$(curl -s "127.0.0.1:$GW_HTTP/metrics")
  dev=$(echo "$m" | awk '/^stedi_mqtt_connected_devices/{print int($2)}')
  acked=$(echo "$m" | awk '/^stedi_readings_acknowledged_total\{protocol="mqtt"/{printf "%d", $2}')
  printf "%8s %10s %10s %10s %10s %8s\n" $(( $(date +%s) - t0 )) "$rss" "$heap" "$old" "$dev" "$acked" | tee -a "$OUT/samples.txt"
done
wait "$SIM" || true
cat "$OUT/soak.txt"
stop_gateway
