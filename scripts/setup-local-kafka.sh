#!/usr/bin/env bash
# One-time (and repeatable) setup of the local Kafka: fetch the broker jars from
# Maven Central into the cache, and make the development certificates.
# shellcheck source-path=SCRIPTDIR
set -euo pipefail
WSQC_TAG=setup
here="$(dirname "${BASH_SOURCE[0]}")"
# shellcheck source=lib/common.sh
source "$here/lib/common.sh"
need_cmd java openssl keytool
java_major="$(java -XshowSettings:properties -version 2>&1 | awk -F'= ' '/java.specification.version/ {print $2}')"
[[ "${java_major%%.*}" -ge 17 ]] 2>/dev/null || die "Java 17+ is required (found: ${java_major:-none})"
bash "$here/kafka/fetch-kafka.sh"
bash "$here/generate-ssl-certs.sh" "$@"
info "setup done; next: scripts/start-local-kafka.sh && scripts/create-test-topic.sh"
