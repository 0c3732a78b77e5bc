#!/usr/bin/env bash
# Benchmark 2: HTTPS batches of 500 accelerometer readings over TLS with keep-alive, against the gateway with a
# self-signed certificate. The load generator (bench/HttpsLoad.java) builds its bodies up front, warms up 5 s,
# then measures. Usage: bench/https-bench.sh [SECONDS] [CONCURRENCY...]   (default 30, 4 16)
set -euo pipefail
source "$(dirname "$0")/lib.sh"
SECONDS_RUN="${1:-30}"
shift || true
CONC=("${@:-4 16}")
read -r -a CONC <<<"${CONC[*]}"
hold_build_lock
snapshot_dist
OUT="$WORK/https"
rm -rf "$OUT" && mkdir -p "$OUT"
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$OUT/key.pem" -out "$OUT/cert.pem" -days 2 \
  -subj "/CN=127.0.0.1" -addext "subjectAltName=IP:127.0.0.1" 2>/dev/null
TOKEN=$("$STEDI" tokens create bench --home "$OUT/home" 2>/dev/null)
echo "# https-bench $(date -u +%FT%TZ) on $(machine); ${SECONDS_RUN}s per step, batches of 500"
GW_JAVA_OPTS="${GW_JAVA_OPTS:--Xmx4g}" start_gateway "$OUT/home" "$OUT/gateway.log" 0 0 \
  --tls-cert "$OUT/cert.pem" --tls-key "$OUT/key.pem"
for c in "${CONC[@]}"; do
  java -Xmx1g -cp "$WORK/dist/device-sim/target/lib/*" "$ROOT/bench/HttpsLoad.java" "https://127.0.0.1:$GW_HTTP" \
    "$TOKEN" "$SECONDS_RUN" "$c" 500 http1 | tee "$OUT/result-$c.txt"
done
curl -sk "https://127.0.0.1:$GW_HTTP/metrics" | grep -E '^stedi_(readings_acknowledged|commits|wal_bytes|freshness)' || true
stop_gateway
