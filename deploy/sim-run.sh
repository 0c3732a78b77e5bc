#!/bin/sh
# The compose 'sim' service: registers a simulated fleet in the gateway's credential store (the gateway's
# STEDI_HOME volume is mounted here too; a running gateway picks new devices up within a second), drives
# MQTT and HTTP traffic at the gateway, then checks the ledger against the landing tables (exit 1 on any
# lost or duplicated reading). Settings come from SIM_* variables (see docker-compose.yml).
set -eu
state="${SIM_STATE_DIR:-/var/lib/stedi-sim}"
stedi=/opt/stedi/bin/stedi
mkdir -p "$state"
"$stedi" devices provision --devices "${SIM_DEVICES:-50}" --phones "${SIM_PHONES:-50}" \
  --prefix "${SIM_PREFIX:-sim}" --out "$state/credentials.json"
# --run-id defaults to a random one, so repeated runs never share an Idempotency-Key.
"$stedi" sim run --devices "${SIM_DEVICES:-50}" --phones "${SIM_PHONES:-50}" --rate "${SIM_RATE:-1}" \
  --duration "${SIM_DURATION:-60s}" --qos 1 --mqtt "${SIM_MQTT:-mqtt://gateway:1883}" \
  --http "${SIM_HTTP:-http://gateway:8080}" ${SIM_CA:+--ca "$SIM_CA"} --credentials "$state/credentials.json" \
  --ledger "$state/ledger.jsonl" --report "$state/report.json"
exec "$stedi" sim verify "$state/ledger.jsonl" --wait "${SIM_VERIFY_WAIT:-60s}"
