#!/usr/bin/env bash
# Checks the broker's mutual-TLS listener with openssl s_client, both ways:
#  1. with the client cert: the handshake verifies the broker against ca.pem
#     (hostname 127.0.0.1) and the broker answers a Kafka ApiVersions request;
#  2. without a client cert: the broker refuses (TLS 1.3 sends the alert on the
#     first read, after the client-side handshake has finished).
# Exits non-zero if either expectation fails.
# shellcheck source-path=SCRIPTDIR
set -euo pipefail
WSQC_TAG=ssl-test
here="$(dirname "${BASH_SOURCE[0]}")"
# shellcheck source=lib/common.sh
source "$here/lib/common.sh"
# shellcheck source=lib/kafka-env.sh
source "$here/lib/kafka-env.sh"
need_cmd openssl od
for f in ca.pem client.pem client.key; do
  [[ -s "$CERTS_DIR/$f" ]] || die "$CERTS_DIR/$f missing; run scripts/generate-ssl-certs.sh"
done
port_open "$KAFKA_HOST" "$KAFKA_SSL_PORT" ||
  die "nothing listens on $KAFKA_SSL_BOOTSTRAP; start the broker: scripts/start-local-kafka.sh"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# ApiVersions v0 request: length 14, api_key 18, version 0, correlation id 1, client id "test".
api_versions_request() {
  printf '\x00\x00\x00\x0e\x00\x12\x00\x00\x00\x00\x00\x01\x00\x04test'
  sleep 2 # keep stdin open so the answer (or the alert) can arrive
}

# probe NAME [extra s_client args]: writes $work/NAME.out (bytes read) and NAME.err
probe() {
  local name="$1"
  shift
  api_versions_request | timeout 15 openssl s_client -connect "$KAFKA_SSL_BOOTSTRAP" \
    -CAfile "$CERTS_DIR/ca.pem" -verify_return_error -verify_ip "$KAFKA_HOST" \
    -quiet -no_ign_eof "$@" >"$work/$name.out" 2>"$work/$name.err"
}

failures=0

if probe with -cert "$CERTS_DIR/client.pem" -key "$CERTS_DIR/client.key" && [[ -s "$work/with.out" ]]; then
  info "PASS with client cert: broker verified against ca.pem, mTLS accepted, ApiVersions answered ($(wc -c <"$work/with.out") bytes)"
else
  warn "FAIL with client cert: expected a verified handshake and a Kafka answer"
  sed 's/^/    /' "$work/with.err" >&2
  failures=$((failures + 1))
fi

if probe without; then rc=0; else rc=$?; fi
if [[ ! -s "$work/without.out" ]] && grep -qiE 'alert|handshake failure|certificate required' "$work/without.err"; then
  info "PASS without client cert: refused ($(grep -oiE '[a-z0-9 ]*alert[a-z ]*' "$work/without.err" | head -1 | sed 's/^ *//'))"
else
  warn "FAIL without client cert: expected the broker to refuse (s_client rc=$rc, $(wc -c <"$work/without.out") bytes read)"
  sed 's/^/    /' "$work/without.err" >&2
  failures=$((failures + 1))
fi

((failures == 0)) || die "$failures check(s) failed"
info "mutual TLS on $KAFKA_SSL_BOOTSTRAP works as expected"
