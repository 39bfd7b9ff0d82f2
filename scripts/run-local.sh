#!/usr/bin/env bash
# `npm run local`: the main job on the local stack, in the foreground.
#   1. the stack (certificates, mTLS Kafka, topics, Firehose/S3 emulator) is
#      brought up if it is not running — and only what this run started is
#      stopped at the end;
#   2. a trickle of sample WiFi scans is produced over mTLS in the background
#      (LOCAL_RATE msgs/s, default 2; LOCAL_COUNT total, default 0 = until stopped);
#   3. the consumer runs in the foreground with NODE_ENV=local (config/local.json);
#   4. Ctrl-C: the producer stops, the consumer drains and commits, the stack
#      parts this run started are stopped, and the delivered objects are listed.
# Expects `npm run build` to have run (npm run local does it).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
# shellcheck source=lib/dev-passwords.sh
source scripts/lib/dev-passwords.sh

say() { printf '[local] %s\n' "$*"; }

[[ -f dist/src/main.js ]] || { say "dist/src/main.js missing: run 'npm run build' first"; exit 1; }

started_kafka=0
started_emulator=0
bash scripts/kafka/kafka.sh status >/dev/null 2>&1 || started_kafka=1
bash scripts/firehose/emulator.sh status >/dev/null 2>&1 || started_emulator=1
if (( started_kafka || started_emulator )); then
  say "bringing the local stack up"
  bash scripts/stack.sh up
else
  say "local stack already running; it will be left running"
fi

producer_pid=""
consumer_pid=""
cleanup() {
  trap - INT TERM EXIT
  if [[ -n "$producer_pid" ]] && kill -0 "$producer_pid" 2>/dev/null; then
    kill -TERM "$producer_pid" 2>/dev/null || true
    wait "$producer_pid" 2>/dev/null || true
  fi
  if [[ -n "$consumer_pid" ]] && kill -0 "$consumer_pid" 2>/dev/null; then
    kill -TERM "$consumer_pid" 2>/dev/null || true
    wait "$consumer_pid" 2>/dev/null || true
  fi
  say "delivered so far (s3://wifi-scans-local/scans/):"
  node dist/scripts/firehose/list-delivered.js --bucket wifi-scans-local --prefix scans/ \
    --format "${LOCAL_FORMAT:-base64-gzip-lines}" --show 5 2>/dev/null || true
  (( started_emulator )) && bash scripts/firehose/emulator.sh stop || true
  (( started_kafka )) && bash scripts/kafka/kafka.sh stop || true
  say "stopped"
}
trap cleanup INT TERM EXIT

export NODE_ENV=local AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test
if [[ -n "${LOCAL_FORMAT:-}" ]]; then export PIPELINE_FORMAT="$LOCAL_FORMAT"; fi

node dist/scripts/produce-scans.js --topic wifi-scans --rate "${LOCAL_RATE:-2}" --count "${LOCAL_COUNT:-0}" --id-prefix "local-$(date +%s)" &
producer_pid=$!
say "producing sample scans (pid $producer_pid); consumer starting — Ctrl-C to stop"

node dist/src/main.js &
consumer_pid=$!
set +e
wait "$consumer_pid"
code=$?
set -e
consumer_pid=""
exit "$code"
