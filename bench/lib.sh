# Shared helpers for the gateway benchmarks (sourced, not run).
# Each script runs from a snapshot of the built jars in $WORK/dist, so that a rebuild of the working tree during a
# long run cannot swap a jar under a running JVM, and holds /tmp/stedi-mvn.lock (the lock every build here takes)
# so that no build competes for the 2 cores while something is measured.
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
WORK="${BENCH_DIR:-$ROOT/bench/out}"
mkdir -p "$WORK"
PIDS=()

cleanup() {
  local p
  for p in "${PIDS[@]:-}"; do
    [[ -n "$p" ]] && kill "$p" 2>/dev/null || true
  done
  wait 2>/dev/null || true
}
trap cleanup EXIT

# Takes the build lock for the rest of the script (fd 9); BENCH_NO_LOCK=1 skips it.
hold_build_lock() {
  [[ "${BENCH_NO_LOCK:-0}" == 1 ]] && return 0
  exec 9>/tmp/stedi-mvn.lock
  echo "bench: waiting for the build lock /tmp/stedi-mvn.lock" >&2
  flock 9
}

# Copies bin/stedi and every module's jar + lib into $WORK/dist (building them first if missing).
snapshot_dist() {
  local m
  # KEEP_DIST=1 reuses the copy already in $WORK/dist (an A/B run of an older build against the current one)
  if [[ "${KEEP_DIST:-0}" == 1 && -x "$WORK/dist/bin/stedi" ]]; then
    STEDI="$WORK/dist/bin/stedi"
    return
  fi
  for m in writer gateway device-sim; do
    if [[ ! -f "$ROOT/$m/target/stedi-$m.jar" ]]; then
      (cd "$ROOT" && mvn -B -q -o -DskipTests package) >&2
      break
    fi
  done
  rm -rf "$WORK/dist"
  mkdir -p "$WORK/dist/bin"
  cp "$ROOT/bin/stedi" "$WORK/dist/bin/"
  for m in writer gateway device-sim curation; do
    if [[ -f "$ROOT/$m/target/stedi-$m.jar" ]]; then
      mkdir -p "$WORK/dist/$m/target"
      cp -r "$ROOT/$m/target/stedi-$m.jar" "$ROOT/$m/target/lib" "$WORK/dist/$m/target/"
    fi
  done
  STEDI="$WORK/dist/bin/stedi"
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# start_gateway HOME LOG [MQTT_PORT HTTP_PORT] [extra args...]: sets GW_PID, GW_MQTT, GW_HTTP.
start_gateway() {
  local home="$1" log="$2" mport="${3:-0}" hport="${4:-0}"
  shift 4 || shift $#
  STEDI_JAVA_OPTS="${GW_JAVA_OPTS:--Xmx2g}" "$STEDI" gateway --home "$home" --mqtt-port "$mport" --http-port "$hport" \
    "$@" >"$log.out" 2>"$log" &
  GW_PID=$!
  PIDS+=("$GW_PID")
  local i
  for i in $(seq 1 600); do
    if grep -q "gateway ready" "$log.out" 2>/dev/null; then
      GW_MQTT=$(sed -n 's/.*mqtt port \([0-9]*\).*/\1/p' "$log.out" | head -1)
      GW_HTTP=$(sed -n 's/.*http port \([0-9]*\).*/\1/p' "$log.out" | head -1)
      return 0
    fi
    kill -0 "$GW_PID" 2>/dev/null || { echo "gateway exited; see $log" >&2; tail -20 "$log" >&2; return 1; }
    sleep 0.1
  done
  echo "gateway did not become ready in 60 s; see $log" >&2
  return 1
}

stop_gateway() {
  kill "$GW_PID" 2>/dev/null || true
  wait "$GW_PID" 2>/dev/null || true
}

# start_mosquitto: Debian's broker with persistence off, anonymous access, on a free loopback port; sets MQ_PORT.
start_mosquitto() {
  MQ_PORT=$(free_port)
  cat >"$WORK/mosquitto.conf" <<CONF
listener $MQ_PORT 127.0.0.1
allow_anonymous true
persistence false
max_inflight_messages 0
max_queued_messages 100000
CONF
  mosquitto -c "$WORK/mosquitto.conf" >"$WORK/mosquitto.log" 2>&1 &
  MQ_PID=$!
  PIDS+=("$MQ_PID")
  sleep 0.5
  kill -0 "$MQ_PID" || { cat "$WORK/mosquitto.log" >&2; return 1; }
}

# sim_run REPORT args...: runs bin/stedi sim run and prints one summary line from its JSON report.
sim_run() {
  local report="$1"
  shift
  STEDI_JAVA_OPTS="${SIM_JAVA_OPTS:--Xmx2g}" "$STEDI" sim run --report "$report" "$@" >"$report.out" 2>"$report.err" || true
  jq -r '"offered/s=\(.devices*.rate_per_device) acked=\(.total.acknowledged) failed=\(.total.failed) acked/s=\(.throughput_acked_per_s) mqtt p50=\(.mqtt.ack_latency_ms.p50) p99=\(.mqtt.ack_latency_ms.p99) max=\(.mqtt.ack_latency_ms.max) | http p50=\(.http.ack_latency_ms.p50) p99=\(.http.ack_latency_ms.p99)"' "$report"
}

machine() {
  echo "$(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB, $(java -version 2>&1 | head -1), $(uname -r)"
}
