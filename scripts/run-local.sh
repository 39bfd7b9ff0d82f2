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

[[ -f dist/bundle/main.js ]] || { say "dist/bundle/main.js missing: run 'npm run build' first"; exit 1; }

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
# Ctrl-C reaches the whole process group: the producer and the consumer got
# SIGINT too, so wait for them (the consumer drains and commits, bounded by its
# drain deadline) instead of signalling again — a second signal means "exit now".
# A SIGTERM to this script alone is passed on to them.
stop_child() { # pid, signal-to-send-or-empty, seconds
  local pid="$1" sig="$2" secs="$3" i
  [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null || return 0
  [[ -n "$sig" ]] && kill "-$sig" "$pid" 2>/dev/null
  for (( i = 0; i < secs * 10; i++ )); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid" 2>/dev/null || true; fi
  wait "$pid" 2>/dev/null || true
}
cleanup() {
  local why="$1" sig=""
  trap - INT TERM EXIT
  [[ "$why" == INT ]] || sig=TERM
  stop_child "$producer_pid" "$sig" 10
  stop_child "$consumer_pid" "$sig" 35
  say "delivered so far (s3://wifi-scans-local/scans/):"
  node dist/scripts/firehose/list-delivered.js --bucket wifi-scans-local --prefix scans/ \
    --format "${LOCAL_FORMAT:-base64-gzip-lines}" --show 5 || true
  if (( started_emulator )); then bash scripts/firehose/emulator.sh stop || true; fi
  if (( started_kafka )); then bash scripts/kafka/kafka.sh stop || true; fi
  say "stopped"
}
trap 'cleanup INT' INT
trap 'cleanup TERM' TERM
trap 'cleanup EXIT' EXIT

# The consumer logs the AWS SDK's Node-version notice once, as info (src/logging/runtime-notice.ts); the tools stay quiet.
export AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED=true
export NODE_ENV=local AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test
if [[ -n "${LOCAL_FORMAT:-}" ]]; then export PIPELINE_FORMAT="$LOCAL_FORMAT"; fi

node dist/scripts/produce-scans.js --topic wifi-scans --rate "${LOCAL_RATE:-2}" --count "${LOCAL_COUNT:-0}" --id-prefix "local-$(date +%s)" &
producer_pid=$!
say "producing sample scans (pid $producer_pid); consumer starting — Ctrl-C to stop"

node --disable-warning=TimeoutNegativeWarning dist/bundle/main.js &
consumer_pid=$!
# `wait` returns early when a trapped signal arrives; cleanup then waits properly.
wait "$consumer_pid" || true
