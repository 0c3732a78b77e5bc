#!/usr/bin/env bash
# Benchmark 1: MQTT QoS 1, one reading per message. The same simulator drives Debian's mosquitto (no persistence)
# and then the STEDI gateway (PUBACK only after fsync), back to back, at rising offered rates. Then it runs the
# gateway at half of mosquitto's best acknowledged rate and reports the ack latency there. Each target first gets
# an unreported 10 s warm-up at the lowest rate (the JVM compiles its hot paths; mosquitto is C).
# Usage: bench/mqtt-bench.sh [DEVICES] [DURATION] [RATES_PER_DEVICE...]   (default 100 20s 20 50 100 200)
set -euo pipefail
source "$(dirname "$0")/lib.sh"
DEVICES="${1:-100}"
DURATION="${2:-20s}"
shift 2 || shift $#
RATES=("${@:-20 50 100 200}")
read -r -a RATES <<<"${RATES[*]}"
hold_build_lock
snapshot_dist
OUT="$WORK/mqtt"
rm -rf "$OUT" && mkdir -p "$OUT"
"$STEDI" devices provision --home "$OUT/home" --devices "$DEVICES" --prefix bench --out "$OUT/creds.json" 2>/dev/null
echo "# mqtt-bench $(date -u +%FT%TZ) on $(machine); $DEVICES devices, $DURATION per step"

warm_up() {
  sim_run "$OUT/warmup-$1.json" --devices "$DEVICES" --rate "${RATES[0]}" --duration 10s --qos 1 \
    --mqtt "mqtt://127.0.0.1:$2" --credentials "$OUT/creds.json" --ledger "$OUT/warmup-$1.ledger" >/dev/null
}

best_mq=0
start_mosquitto
warm_up mosquitto "$MQ_PORT"
for r in "${RATES[@]}"; do
  line=$(sim_run "$OUT/mosquitto-$r.json" --devices "$DEVICES" --rate "$r" --duration "$DURATION" --qos 1 \
    --mqtt "mqtt://127.0.0.1:$MQ_PORT" --credentials "$OUT/creds.json" --ledger "$OUT/mosquitto-$r.ledger")
  echo "mosquitto rate=$r/device: $line"
  a=$(jq '.throughput_acked_per_s' "$OUT/mosquitto-$r.json")
  best_mq=$(python3 -c "print(max($best_mq, $a))")
done
kill "$MQ_PID"

best_gw=0
start_gateway "$OUT/home" "$OUT/gateway.log" 0 0
warm_up gateway "$GW_MQTT"
for r in "${RATES[@]}"; do
  line=$(sim_run "$OUT/gateway-$r.json" --devices "$DEVICES" --rate "$r" --duration "$DURATION" --qos 1 \
    --mqtt "mqtt://127.0.0.1:$GW_MQTT" --credentials "$OUT/creds.json" --ledger "$OUT/gateway-$r.ledger")
  echo "gateway   rate=$r/device: $line"
  a=$(jq '.throughput_acked_per_s' "$OUT/gateway-$r.json")
  best_gw=$(python3 -c "print(max($best_gw, $a))")
done
half=$(python3 -c "print(round($best_mq / 2 / $DEVICES, 2))")
line=$(sim_run "$OUT/gateway-half.json" --devices "$DEVICES" --rate "$half" --duration "$DURATION" --qos 1 \
  --mqtt "mqtt://127.0.0.1:$GW_MQTT" --credentials "$OUT/creds.json" --ledger "$OUT/gateway-half.ledger")
echo "gateway at half of mosquitto's best ($half/device): $line"
stop_gateway
echo "RESULT mosquitto_best_acked_per_s=$best_mq gateway_best_acked_per_s=$best_gw ratio=$(python3 -c "print(round($best_gw / $best_mq, 2))") gateway_p99_ms_at_half=$(jq '.mqtt.ack_latency_ms.p99' "$OUT/gateway-half.json")"
