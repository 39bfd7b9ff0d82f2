#!/usr/bin/env bash
# Stops the local Kafka started by start-local-kafka.sh (only the pid in its pidfile).
set -euo pipefail
exec bash "$(dirname "${BASH_SOURCE[0]}")/kafka/kafka.sh" stop
