#!/usr/bin/env bash
# Benchmark 5, the crash test: the simulator loads the gateway (MQTT QoS 1 + HTTPS-style batches over HTTP) for
# LOAD seconds while the gateway is killed with SIGKILL KILLS times at random moments and restarted on the same
# ports each time; then 'sim verify' checks the ledger against the landing tables. Exit status: verify's.
# 'sim verify' counts every reading that landed twice as duplicated, also one whose delivery was in doubt.
# Usage: bench/crash-test.sh [LOAD_SECONDS] [KILLS] [DEVICES] [RATE] [PHONES]   (default 60 5 50 5 DEVICES)
set -euo pipefail
source "$(dirname "$0")/lib.sh"
LOAD="${1:-60}"
KILLS="${2:-5}"
DEVICES="${3:-50}"
RATE="${4:-5}"
PHONES="${5:-$DEVICES}"
hold_build_lock
snapshot_dist
OUT="$WORK/crash"
rm -rf "$OUT" && mkdir -p "$OUT"
"$STEDI" devices provision --home "$OUT/home" --devices "$DEVICES" --phones "$PHONES" --prefix crash \
  --out "$OUT/creds.json" 2>/dev/null
MPORT=$(free_port)
HPORT=$(free_port)
echo "# crash-test $(date -u +%FT%TZ) on $(machine); ${LOAD}s load, $KILLS x kill -9, $DEVICES devices + $PHONES phones at $RATE/s"
start_gateway "$OUT/home" "$OUT/gateway-0.log" "$MPORT" "$HPORT"
STEDI_JAVA_OPTS="-Xmx2g" "$STEDI" sim run --devices "$DEVICES" --phones "$PHONES" --rate "$RATE" --duration "${LOAD}s" \
  --qos 1 --mqtt "mqtt://127.0.0.1:$MPORT" --http "http://127.0.0.1:$HPORT" --credentials "$OUT/creds.json" \
  --ledger "$OUT/ledger.jsonl" --report "$OUT/report.json" -c sim.drain-timeout=60s >"$OUT/sim.out" 2>"$OUT/sim.err" &
SIM=$!
PIDS+=("$SIM")
for k in $(seq 1 "$KILLS"); do
  # a random moment in the k-th slice of the load period
  slice=$((LOAD * 1000 / (KILLS + 1)))
  sleep "$(python3 -c "import random; print(round(($slice * 0.5 + random.random() * $slice * 0.5) / 1000, 3))")"
  echo "kill -9 #$k of gateway pid $GW_PID at $(date -u +%T.%N | cut -c1-12)"
  kill -9 "$GW_PID"
  wait "$GW_PID" 2>/dev/null || true
  start_gateway "$OUT/home" "$OUT/gateway-$k.log" "$MPORT" "$HPORT"
  echo "  restarted as pid $GW_PID"
done
wait "$SIM" || true
cat "$OUT/sim.out"
stop_gateway
set +e
"$STEDI" sim verify "$OUT/ledger.jsonl" --home "$OUT/home" --wait 30s | tee "$OUT/verify.txt"
code=${PIPESTATUS[0]}
echo "RESULT crash-test kills=$KILLS verify_exit=$code $(grep -o 'missing [0-9]*, duplicated [0-9]*, unexpected [0-9]*' "$OUT/verify.txt")"
exit "$code"
