#!/usr/bin/env bash
# usage: send-test-message.sh [TOPIC] [MESSAGE]
# Produces one message over the mutual-TLS listener with the client PKCS12
# stores from certs/ (Kafka's console producer). Default: a small WiFi-scan JSON.
# shellcheck source-path=SCRIPTDIR
set -euo pipefail
WSQC_TAG=send
here="$(dirname "${BASH_SOURCE[0]}")"
# shellcheck source=lib/common.sh
source "$here/lib/common.sh"
# shellcheck source=lib/dev-passwords.sh
source "$here/lib/dev-passwords.sh"
# shellcheck source=lib/kafka-env.sh
source "$here/lib/kafka-env.sh"
topic="${1:-wifi-scans}"
msg="${2:-}"
if [[ -z "$msg" ]]; then
  msg="$(printf '{"id":"test-%s-%s","deviceId":"dev-local","ts":%s,"scans":[{"bssid":"aa:bb:cc:dd:ee:01","ssid":"test","rssi":-51,"frequency":2412}]}' \
    "$(date +%s)" "$RANDOM" "$(date +%s%3N)")"
fi
[[ "$msg" != *$'\n'* ]] || die "MESSAGE must be one line (the console producer sends one message per line)"
require_kafka_running
for f in kafka.keystore.p12 kafka.truststore.p12; do
  [[ -s "$CERTS_DIR/$f" ]] || die "$CERTS_DIR/$f missing; run scripts/generate-ssl-certs.sh"
done
require_topic "$topic"
write_client_ssl_props
info "sending ${#msg} bytes to '$topic' via SSL $KAFKA_SSL_BOOTSTRAP"
printf '%s\n' "$msg" | KAFKA_TOOL_TIMEOUT=60 kafka_java org.apache.kafka.tools.ConsoleProducer \
  --bootstrap-server "$KAFKA_SSL_BOOTSTRAP" --topic "$topic" \
  --producer.config "$KAFKA_CLIENT_PROPS" --producer-property acks=all \
  --producer-property max.block.ms=15000 --producer-property delivery.timeout.ms=30000 ||
  die "send failed (does topic '$topic' exist? scripts/create-test-topic.sh $topic)"
info "sent: $msg"
