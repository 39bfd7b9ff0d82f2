#!/usr/bin/env bash
# The whole local stack in one command; each step is idempotent, so `up` and
# `down` are safe to repeat.
#   up      certs (if missing or invalid), Kafka jars, broker, topics
#           (wifi-scans, wifi-scans.dlq; 6 partitions), Firehose/S3 emulator
#   down    stop the emulator and the broker (only what their pidfiles name)
#   status  both; exit 0 only if both run
# shellcheck source-path=SCRIPTDIR
set -euo pipefail
WSQC_TAG=stack
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=lib/common.sh
source "$here/lib/common.sh"
EMULATOR="$here/firehose/emulator.sh"
MARK="$STACK_DIR/started-by-stack"
TOPIC="${WSQC_TOPIC:-wifi-scans}"

emulator() {
  if [[ -f "$EMULATOR" ]]; then
    bash "$EMULATOR" "$@"
  else
    info "Firehose emulator: $EMULATOR not present; skipping"
  fi
}

up() {
  local t0
  t0=$(date +%s)
  mkdir -p "$STACK_DIR"
  local out
  out="$(bash "$here/generate-ssl-certs.sh" 2>&1)" || { printf '%s\n' "$out" >&2; die "certificate generation failed"; }
  grep -E '^\[certs\] (existing|regenerating|CA:|done)' <<<"$out" || true
  bash "$here/kafka/fetch-kafka.sh"
  bash "$here/kafka/kafka.sh" start
  out="$(bash "$here/create-test-topic.sh" "$TOPIC" 6 2>&1)" || { printf '%s\n' "$out" >&2; die "topic creation failed"; }
  grep -v '^WARNING: Due to limitations in metric names' <<<"$out" || true
  emulator start
  printf 'stack up at %s (kafka, topics %s/%s.dlq%s)\n' "$(date -u +%FT%TZ)" "$TOPIC" "$TOPIC" \
    "$([[ -f "$EMULATOR" ]] && echo ', firehose emulator')" >"$MARK"
  info "stack up in $(elapsed_since "$t0"): Kafka mTLS 127.0.0.1:9093 (certs in $CERTS_DIR), topics $TOPIC, $TOPIC.dlq"
}

down() {
  local rc=0
  emulator stop || rc=1
  bash "$here/kafka/kafka.sh" stop || rc=1
  rm -f "$MARK"
  return "$rc"
}

status() {
  local rc=0
  [[ -f "$MARK" ]] && info "$(cat "$MARK")"
  bash "$here/kafka/kafka.sh" status || rc=3
  if [[ -f "$EMULATOR" ]]; then bash "$EMULATOR" status || rc=3; else emulator status; fi
  return "$rc"
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  status) status ;;
  *) echo "usage: $0 {up|down|status}" >&2; exit 2 ;;
esac
