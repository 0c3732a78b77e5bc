#!/usr/bin/env bash
# Lean MQTT comparison (issue 12): a lean client (C connections x a window of W QoS 1 publishes in flight, one
# ~90-byte reading per message, no ledger) against Debian's mosquitto (persists nothing) and then the gateway (PUBACK
# after fsync; then Iceberg), back to back; then the gateway again at half of mosquitto's rate, for its latency there.
# CLIENT=raw (default): bench/RawMqttLoad.java, one NIO thread and hand-built MQTT 3.1.1 packets;
# CLIENT=hivemq: bench/LeanMqttLoad.java (HiveMQ async client; it is the bottleneck at about 20 k msgs/s here). Reports acknowledged msgs/s, latency and
# the server's CPU per acknowledged message: utime+stime from /proc/<pid>/stat over the measured interval divided by
# the messages acknowledged in it, which does not depend on how busy the machine is.
# Usage: bench/lean-mqtt-bench.sh [CONNECTIONS] [WINDOW] [SECONDS]   (default 10 16 20); HALF_RATE=0 skips the third run.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
CONNS="${1:-10}"
WINDOW="${2:-16}"
SECS="${3:-20}"
hold_build_lock
snapshot_dist
OUT="$WORK/lean"
rm -rf "$OUT" && mkdir -p "$OUT"
CP="$WORK/dist/device-sim/target/lib/*"
TCK=$(getconf CLK_TCK)
"$STEDI" devices provision --home "$OUT/home" --devices "$CONNS" --prefix lean --out "$OUT/creds.json" 2>/dev/null
echo "# lean-mqtt-bench $(date -u +%FT%TZ) on $(machine); $CONNS connections x window $WINDOW, ${SECS}s measured"

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

# measure NAME PID PORT [CREDS]: runs the client, samples the server's CPU at the client's markers, prints a line
measure() {
  local name="$1" pid="$2" port="$3" creds="${4:-}" rate="${5:-0}" log="$OUT/$1.client"
  local client_src="$ROOT/bench/RawMqttLoad.java"
  [[ "${CLIENT:-raw}" == hivemq ]] && client_src="$ROOT/bench/LeanMqttLoad.java"
  java -Xmx6g ${LEAN_OPTS:-} -Dlean.messages="${LEAN_MESSAGES:-4000000}" -Dlean.rate="$rate" -cp "$CP" "$client_src" 127.0.0.1 "$port" "$CONNS" "$WINDOW" "$SECS" $creds >"$log" 2>&1 &
  local client=$!
  until grep -q MEASURE_START "$log" 2>/dev/null; do
    kill -0 "$client" 2>/dev/null || { cat "$log" >&2; return 1; }
    sleep 0.05
  done
  local c0; c0=$(cpu_ticks "$pid")
  until grep -q MEASURE_END "$log" 2>/dev/null; do sleep 0.05; done
  local c1; c1=$(cpu_ticks "$pid")
  wait "$client" || true
  local res; res=$(grep RESULT "$log")
  local acked; acked=$(sed -E 's/.*acked=([0-9]+).*/\1/' <<<"$res")
  python3 -c "print('$name: ' + '''$res'''.replace('RESULT ', '') + ' server_cpu_s=%.2f cpu_us_per_msg=%.1f' % (($c1-$c0)/$TCK, ($c1-$c0)/$TCK*1e6/max(1,$acked)))"
}

# RATES: the offered loads to measure, in msgs/s, 0 = as fast as the window allows (default "0": then the gateway is
# also measured at half of mosquitto's rate, for its latency there; HALF_RATE=0 skips that). At equal offered rates the
# CPU per message of the two servers compares like with like (both batch as much per wake-up). TARGETS=gateway or
# TARGETS=mosquitto measures only that server.
RATES="${RATES:-0}"
if [[ "${TARGETS:-mosquitto gateway}" == *mosquitto* ]]; then
  start_mosquitto
  for r in $RATES; do
    measure "mosquitto-rate-$r" "$MQ_PID" "$MQ_PORT" "" "$r" | tee -a "$OUT/mosquitto.result"
  done
  kill "$MQ_PID"
fi

if [[ "${TARGETS:-mosquitto gateway}" == *gateway* ]]; then
  start_gateway "$OUT/home" "$OUT/gateway.log" 0 0
  for r in $RATES; do
    measure "gateway-rate-$r" "$GW_PID" "$GW_MQTT" "$OUT/creds.json" "$r"
  done
  if [[ "$RATES" == 0 && "${HALF_RATE:-1}" != 0 && -s "$OUT/mosquitto.result" ]]; then
    half=$(sed -E 's/.* rate=([0-9]+).*/\1/' "$OUT/mosquitto.result" | awk '{printf "%d", $1 / 2}')
    measure "gateway-at-half-of-mosquitto-rate-$half" "$GW_PID" "$GW_MQTT" "$OUT/creds.json" "$half"
  fi
  stop_gateway
fi
