#!/usr/bin/env bash
# The local Amazon Data Firehose / S3 emulator: moto_server from a pinned venv.
#
#   scripts/firehose/emulator.sh start     install (if needed), start, create bucket + stream
#   scripts/firehose/emulator.sh stop      stop the pidfile's moto_server (and nothing else)
#   scripts/firehose/emulator.sh status    running or not, and the delivery streams
#   scripts/firehose/emulator.sh logs [-f] the last 100 log lines (or follow)
#   scripts/firehose/emulator.sh install   only create/refresh the venv
#   scripts/firehose/emulator.sh reset     drop all moto state, then re-create bucket + stream
#
# Environment (all optional):
#   WSQC_CACHE                  cache root (default ~/.cache/wsqc); the venv is $WSQC_CACHE/moto-venv
#   FIREHOSE_EMULATOR_PORT      default 4566
#   FIREHOSE_EMULATOR_BUCKET    default wifi-scans-local
#   FIREHOSE_EMULATOR_STREAM    default wifi-scans-local
#   FIREHOSE_EMULATOR_PREFIX    default scans/
#   FIREHOSE_EMULATOR_READY_S   readiness deadline in seconds (default 60)
# See scripts/firehose/README.md for what moto does with PutRecordBatch.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
REQUIREMENTS="$REPO/scripts/requirements-emulator.txt"
ADMIN_PY="$REPO/scripts/firehose/emulator_admin.py"
CACHE="${WSQC_CACHE:-$HOME/.cache/wsqc}"
VENV="$CACHE/moto-venv"
STAMP="$VENV/.wsqc-requirements"
STATE="$REPO/.stack/moto"
PIDFILE="$STATE/moto.pid"
LOGFILE="$STATE/moto.log"
PORT="${FIREHOSE_EMULATOR_PORT:-4566}"
ENDPOINT="http://127.0.0.1:$PORT"
BUCKET="${FIREHOSE_EMULATOR_BUCKET:-wifi-scans-local}"
STREAM="${FIREHOSE_EMULATOR_STREAM:-wifi-scans-local}"
PREFIX="${FIREHOSE_EMULATOR_PREFIX:-scans/}"
READY_S="${FIREHOSE_EMULATOR_READY_S:-60}"

export AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_DEFAULT_REGION=us-east-1 AWS_REGION=us-east-1

now_ms() { local t="${EPOCHREALTIME//[!0-9]/}"; echo $((10#$t / 1000)); }
log() { echo "[firehose-emulator] $*" >&2; }

# The venv is reused only when it was built from exactly this requirements file
# and its interpreter still runs moto (a Python upgrade underneath breaks venvs).
venv_ok() {
  [[ -x "$VENV/bin/moto_server" && -f "$STAMP" ]] \
    && cmp -s "$STAMP" "$REQUIREMENTS" \
    && "$VENV/bin/python" -c 'import moto, boto3' >/dev/null 2>&1
}

install_venv() {
  mkdir -p "$CACHE"
  # Two starts at once (a test run and a developer) must not build the same venv twice.
  exec 9>"$CACHE/moto-venv.lock"
  flock -w 600 9 || { log "timed out waiting for $CACHE/moto-venv.lock"; exit 1; }
  if venv_ok; then exec 9>&-; return 0; fi
  local started=$SECONDS
  log "installing $(grep -v '^#' "$REQUIREMENTS" | tr '\n' ' ')into $VENV"
  rm -rf "$VENV"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check -r "$REQUIREMENTS"
  # The stamp is written last: an interrupted install is rebuilt next time.
  cp "$REQUIREMENTS" "$STAMP"
  log "venv ready in $((SECONDS - started)) s ($(moto_version))"
  exec 9>&-
}

moto_version() {
  "$VENV/bin/python" -c 'import importlib.metadata as m; print("moto", m.version("moto"))'
}

# Our pid only if the pidfile names a live moto_server; a recycled pid is not ours.
our_pid() {
  [[ -f "$PIDFILE" ]] || return 1
  local pid
  pid="$(cat "$PIDFILE")"
  [[ "$pid" =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null \
    && tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q moto_server \
    && echo "$pid"
}

responding() {
  curl -fsS -o /dev/null --max-time 2 "$ENDPOINT/" 2>/dev/null
}

ensure_resources() {
  "$VENV/bin/python" "$ADMIN_PY" ensure --endpoint "$ENDPOINT" \
    --bucket "$BUCKET" --stream "$STREAM" --prefix "$PREFIX"
}

start() {
  venv_ok || install_venv
  mkdir -p "$STATE"
  local pid
  if pid="$(our_pid)"; then
    log "already running (pid $pid) at $ENDPOINT"
    ensure_resources
    return 0
  fi
  if responding; then
    log "something else already answers on $ENDPOINT; set FIREHOSE_EMULATOR_PORT or stop it"
    exit 1
  fi
  local started_ms
  started_ms="$(now_ms)"
  : >"$LOGFILE"
  # setsid: its own session, so a Ctrl-C in the shell that started it (npm run
  # local) does not reach it; only `stop` ends it, by pid.
  setsid "$VENV/bin/moto_server" -H 127.0.0.1 -p "$PORT" >>"$LOGFILE" 2>&1 </dev/null &
  pid=$!
  echo "$pid" >"$PIDFILE"
  local deadline=$((SECONDS + READY_S))
  until responding; do
    if ! kill -0 "$pid" 2>/dev/null; then
      log "moto_server exited during start-up; last log lines:"
      tail -n 20 "$LOGFILE" >&2
      rm -f "$PIDFILE"
      exit 1
    fi
    if ((SECONDS >= deadline)); then
      log "not ready after ${READY_S}s; stopping pid $pid"
      kill "$pid" 2>/dev/null || true
      rm -f "$PIDFILE"
      exit 1
    fi
    sleep 0.2
  done
  log "moto_server pid $pid ready at $ENDPOINT in $(($(now_ms) - started_ms)) ms"
  ensure_resources
}

stop() {
  local pid
  if ! pid="$(our_pid)"; then
    log "not running"
    rm -f "$PIDFILE"
    return 0
  fi
  kill "$pid"
  for _ in $(seq 1 50); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null; then
    log "pid $pid ignored SIGTERM for 5 s; sending SIGKILL"
    kill -9 "$pid" 2>/dev/null || true
  fi
  rm -f "$PIDFILE"
  log "stopped pid $pid"
}

status() {
  local pid
  if pid="$(our_pid)"; then
    echo "running: pid $pid at $ENDPOINT ($(moto_version))"
    echo "delivery streams:"
    "$VENV/bin/python" "$ADMIN_PY" list --endpoint "$ENDPOINT"
  else
    echo "not running"
    return 3
  fi
}

reset() {
  our_pid >/dev/null || { log "not running"; exit 1; }
  curl -fsS -o /dev/null -X POST "$ENDPOINT/moto-api/reset"
  log "moto state reset"
  ensure_resources
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  install) venv_ok && log "venv up to date: $VENV" || install_venv ;;
  reset) reset ;;
  logs)
    [[ -f "$LOGFILE" ]] || { log "no log at $LOGFILE"; exit 1; }
    if [[ "${2:-}" == "-f" ]]; then tail -n 100 -f "$LOGFILE"; else tail -n 100 "$LOGFILE"; fi
    ;;
  *)
    echo "usage: $0 {start|stop|status|logs [-f]|install|reset}" >&2
    exit 2
    ;;
esac
