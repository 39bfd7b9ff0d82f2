#!/usr/bin/env bash
# usage: create-test-topic.sh [NAME] [PARTITIONS]
# Creates NAME (default wifi-scans, 6 partitions) and its dead-letter topic
# NAME.dlq, if missing. The broker does not auto-create topics.
# shellcheck source-path=SCRIPTDIR
set -euo pipefail
WSQC_TAG=topics
here="$(dirname "${BASH_SOURCE[0]}")"
# shellcheck source=lib/common.sh
source "$here/lib/common.sh"
# shellcheck source=lib/kafka-env.sh
source "$here/lib/kafka-env.sh"
name="${1:-wifi-scans}" parts="${2:-6}"
[[ "$name" =~ ^[A-Za-z0-9._-]{1,240}$ ]] || die "invalid topic name '$name' (letters, digits, . _ - only)"
[[ "$parts" =~ ^[1-9][0-9]*$ ]] || die "PARTITIONS must be a positive integer, got '$parts'"
require_kafka_running
for t in "$name" "$name.dlq"; do
  bash "$here/kafka/kafka.sh" create-topic "$t" "$parts"
done
info "topics ready: $name, $name.dlq ($parts partitions each)"
