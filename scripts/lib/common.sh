# shellcheck shell=bash
# Shared helpers for the local-stack scripts. Source it; it defines functions
# and a few path variables and changes no shell options of the caller.
#
#   WSQC_REPO   the repository root (found from this file's location)
#   STACK_DIR   run-time state: pidfiles, logs, data (default <repo>/.stack, gitignored)
#   CERTS_DIR   development certificates (default <repo>/certs, gitignored)

WSQC_REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
STACK_DIR="${WSQC_STACK_DIR:-$WSQC_REPO/.stack}"
CERTS_DIR="${WSQC_CERTS_DIR:-$WSQC_REPO/certs}"
export WSQC_REPO STACK_DIR CERTS_DIR

info() { printf '[%s] %s\n' "${WSQC_TAG:-wsqc}" "$*"; }
warn() { printf '[%s] WARNING: %s\n' "${WSQC_TAG:-wsqc}" "$*" >&2; }
die() {
  printf '[%s] ERROR: %s\n' "${WSQC_TAG:-wsqc}" "$*" >&2
  exit 1
}

need_cmd() {
  local c
  for c in "$@"; do
    command -v "$c" >/dev/null 2>&1 || die "'$c' is required but not on PATH (see scripts/README.md, prerequisites)"
  done
}

# port_open HOST PORT -> 0 if something accepts TCP connections there.
# Uses bash's /dev/tcp so it needs no nc; bounded by `timeout`.
port_open() {
  timeout 2 bash -c "exec 3<>/dev/tcp/$1/$2" 2>/dev/null
}

# pid_from_file FILE -> prints the pid if FILE names a live process.
pid_from_file() {
  local f="$1" pid
  [[ -f "$f" ]] || return 1
  pid="$(tr -cd '0-9' <"$f")"
  [[ -n "$pid" ]] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  printf '%s\n' "$pid"
}

# stop_pidfile FILE NAME [WAIT_SECONDS]: TERM the pid in FILE, wait up to
# WAIT_SECONDS (default 30), then KILL. Only ever signals that one pid.
stop_pidfile() {
  local f="$1" name="$2" wait_s="${3:-30}" pid i
  if ! pid="$(pid_from_file "$f")"; then
    if [[ -f "$f" ]]; then
      info "$name: stale pidfile $f (process gone); removing it"
      rm -f "$f"
    else
      info "$name: not running (no pidfile)"
    fi
    return 0
  fi
  info "$name: stopping pid $pid (TERM, up to ${wait_s}s)"
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < wait_s * 2; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.5
  done
  if kill -0 "$pid" 2>/dev/null; then
    warn "$name: pid $pid still alive after ${wait_s}s; sending KILL"
    kill -KILL "$pid" 2>/dev/null || true
    sleep 1
  fi
  rm -f "$f"
  info "$name: stopped"
}

# elapsed_since START_EPOCH_SECONDS -> "12s"
elapsed_since() { printf '%ss' "$(($(date +%s) - $1))"; }
