#!/usr/bin/env bash
# Puts the Apache Kafka broker and tools jars in a cache outside the repo:
#   ${WSQC_CACHE:-$HOME/.cache/wsqc}/kafka-$KAFKA_VERSION/libs
# resolved from Maven Central with scripts/kafka/pom.xml (no Docker, no tarball).
# Skips when already there, or when KAFKA_HOME names a Kafka distribution.
# shellcheck source-path=SCRIPTDIR/..
set -euo pipefail
WSQC_TAG=kafka-fetch
# shellcheck source=lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib/common.sh"
# shellcheck source=lib/kafka-env.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib/kafka-env.sh"

if [[ -n "${KAFKA_HOME:-}" ]]; then
  if [[ -d "$KAFKA_HOME/libs" && -d "$KAFKA_HOME/bin" ]]; then
    info "using KAFKA_HOME=$KAFKA_HOME ($(ls "$KAFKA_HOME"/libs/kafka_2.13-*.jar 2>/dev/null | head -1 | xargs -r basename))"
    exit 0
  fi
  warn "KAFKA_HOME=$KAFKA_HOME is not a Kafka distribution (needs libs/ and bin/); using Maven Central"
  unset KAFKA_HOME
fi

LIBS="$(kafka_libs_dir)"
if kafka_libs_present; then
  info "Kafka $KAFKA_VERSION already in $LIBS ($(ls "$LIBS" | wc -l) jars); nothing to fetch"
  exit 0
fi

need_cmd mvn java
t0=$(date +%s)
info "resolving Apache Kafka $KAFKA_VERSION from Maven Central into $LIBS"
tmp="$LIBS.partial.$$"
mvn_log="$(dirname "$LIBS")/fetch.log"
mkdir -p "$(dirname "$LIBS")"
trap 'rm -rf "$tmp"' EXIT
if ! mvn -q -B -Dstyle.color=never -f "$KAFKA_SCRIPTS_DIR/pom.xml" -Dkafka.version="$KAFKA_VERSION" \
  dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$tmp" >"$mvn_log" 2>&1; then
  tail -n 30 "$mvn_log" >&2
  die "maven could not resolve Kafka $KAFKA_VERSION (network to Maven Central? ~/.m2/settings.xml?); log: $mvn_log"
fi
compgen -G "$tmp/kafka_2.13-$KAFKA_VERSION.jar" >/dev/null || die "kafka_2.13-$KAFKA_VERSION.jar missing after resolve"
rm -rf "$LIBS"
mv "$tmp" "$LIBS" # only a complete set ever lands in the cache
info "fetched $(ls "$LIBS" | wc -l) jars in $(elapsed_since "$t0")"
