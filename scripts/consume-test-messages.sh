#!/usr/bin/env bash
# usage: consume-test-messages.sh [TOPIC] [N]
# Reads up to N (default 10) messages from the beginning of TOPIC over the
# mutual-TLS listener (Kafka's console consumer, no consumer group commit).
# Waits at most WSQC_CONSUME_TIMEOUT_MS (default 15000) for each message.
# Exits non-zero if no message was read.
# shellcheck source-path=SCRIPTDIR
set -euo pipefail
WSQC_TAG=consume
here="$(dirname "${BASH_SOURCE[0]}")"
# shellcheck source=lib/common.sh
source "$here/lib/common.sh"
# shellcheck source=lib/dev-passwords.sh
source "$here/lib/dev-passwords.sh"
# shellcheck source=lib/kafka-env.sh
source "$here/lib/kafka-env.sh"
topic="${1:-wifi-scans}" n="${2:-10}"
[[ "$n" =~ ^[1-9][0-9]*$ ]] || die "N must be a positive integer, got '$n'"
require_kafka_running
for f in kafka.keystore.p12 kafka.truststore.p12; do
  [[ -s "$CERTS_DIR/$f" ]] || die "$CERTS_DIR/$f missing; run scripts/generate-ssl-certs.sh"
done
require_topic "$topic"
write_client_ssl_props
info "reading up to $n message(s) from '$topic' via SSL $KAFKA_SSL_BOOTSTRAP"
out="$(mktemp)" err="$(mktemp)"
trap 'rm -f "$out" "$err"' EXIT
KAFKA_TOOL_TIMEOUT=120 kafka_java org.apache.kafka.tools.consumer.ConsoleConsumer \
  --bootstrap-server "$KAFKA_SSL_BOOTSTRAP" --topic "$topic" --from-beginning \
  --max-messages "$n" --timeout-ms "${WSQC_CONSUME_TIMEOUT_MS:-15000}" \
  --consumer.config "$KAFKA_CLIENT_PROPS" \
  --property print.partition=true --property print.offset=true >"$out" 2>"$err" || true
cat "$out"
count="$(grep -c . "$out" || true)"
# The console consumer reports its idle timeout as an ERROR; show its stderr
# only when nothing was read, where it explains why.
((count > 0)) || { grep -v 'TimeoutException\|^Processed a total' "$err" | tail -n 5 >&2 || true; }
((count > 0)) || die "no message read from '$topic' (empty topic, missing topic or TLS failure; see above)"
info "read $count message(s)"
