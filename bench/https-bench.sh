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
# samples freshness lag and WAL size once a second while the load runs
sample_metrics() {
  while kill -0 "$GW_PID" 2>/dev/null; do
    curl -sk "https://127.0.0.1:$GW_HTTP/metrics" | awk -v t="$(date +%s)" \
      '/^stedi_freshness_lag_seconds /{f=$2} /^stedi_wal_bytes /{w=$2} /^stedi_wal_max_bytes /{m=$2}
       END{if (f != "") print t, f, w, m}' >>"$OUT/samples.txt"
    sleep 1
  done
}
: >"$OUT/samples.txt"
sample_metrics &
SAMPLER=$!
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
acked() { curl -sk "https://127.0.0.1:$GW_HTTP/metrics" | awk '/^stedi_readings_acknowledged_total/{s+=$2} END{printf "%d", s}'; }
TCK=$(getconf CLK_TCK)
for c in "${CONC[@]}"; do
  C0=$(cpu_ticks "$GW_PID"); A0=$(acked)
  java -Xmx1g -cp "$WORK/dist/device-sim/target/lib/*" "$ROOT/bench/HttpsLoad.java" "https://127.0.0.1:$GW_HTTP" \
    "$TOKEN" "$SECONDS_RUN" "$c" 500 http1 | tee "$OUT/result-$c.txt"
  # server CPU per reading: the gateway's utime+stime over the step (warm-up included) and until its backlog is
  # committed (so that a commit path that fell behind pays for it too), over the readings it acked
  A1=$(acked); T0=$(date +%s)
  for _ in $(seq 1 240); do
    lag=$(curl -sk "https://127.0.0.1:$GW_HTTP/metrics" | awk '/^stedi_freshness_lag_seconds /{print $2}')
    [[ "$lag" == "0.0" || "$lag" == "0" ]] && break
    sleep 0.5
  done
  C1=$(cpu_ticks "$GW_PID")
  echo "DRAIN backlog committed $(( $(date +%s) - T0 )) s after the load stopped"
  python3 -c "print('SERVER concurrency=$c gateway_cpu_s=%.1f readings=%d cpu_us_per_reading=%.2f' % (($C1-$C0)/$TCK, $A1-$A0, ($C1-$C0)/$TCK*1e6/max(1,$A1-$A0)))"
done
curl -sk "https://127.0.0.1:$GW_HTTP/metrics" | grep -E '^stedi_(readings_acknowledged|readings_rejected|commits|wal_bytes|freshness)' || true
kill "$SAMPLER" 2>/dev/null || true
python3 - "$OUT/samples.txt" <<'PY'
import sys
rows = [l.split() for l in open(sys.argv[1]) if len(l.split()) == 4]
if rows:
    lag = sorted(float(r[1]) for r in rows)
    wal = [float(r[2]) / float(r[3]) for r in rows]
    p99 = lag[min(len(lag) - 1, int(len(lag) * 0.99))]
    print("SAMPLES n=%d freshness_lag_s p50=%.2f p99=%.2f max=%.2f wal_fill max=%.1f%%" % (
        len(lag), lag[len(lag) // 2], p99, lag[-1], 100 * max(wal)))
PY
stop_gateway
