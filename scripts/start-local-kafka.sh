#!/usr/bin/env bash
# Starts the local single-node Kafka (KRaft, mTLS on 127.0.0.1:9093); idempotent.
set -euo pipefail
exec bash "$(dirname "${BASH_SOURCE[0]}")/kafka/kafka.sh" start
