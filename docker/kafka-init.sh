#!/usr/bin/env bash
# Compose one-shot (service `kafka-init`): the source and dead-letter topics.
# Uses the broker's internal PLAINTEXT listener; idempotent (--if-not-exists).
set -euo pipefail

BOOTSTRAP="${BOOTSTRAP:-kafka:9092}"
TOPIC="${TOPIC:-wifi-scans}"
PARTITIONS="${PARTITIONS:-6}"
DLQ_TOPIC="${DLQ_TOPIC:-$TOPIC.dlq}"
DLQ_PARTITIONS="${DLQ_PARTITIONS:-$PARTITIONS}"
TOPICS=/opt/kafka/bin/kafka-topics.sh

"$TOPICS" --bootstrap-server "$BOOTSTRAP" --create --if-not-exists \
  --topic "$TOPIC" --partitions "$PARTITIONS" --replication-factor 1
"$TOPICS" --bootstrap-server "$BOOTSTRAP" --create --if-not-exists \
  --topic "$DLQ_TOPIC" --partitions "$DLQ_PARTITIONS" --replication-factor 1
"$TOPICS" --bootstrap-server "$BOOTSTRAP" --describe --topic "$TOPIC"
"$TOPICS" --bootstrap-server "$BOOTSTRAP" --describe --topic "$DLQ_TOPIC"
