#!/usr/bin/env bash
# Compose one-shot (service `certs`): development certificates into the shared
# `certs` volume, plus the credential files the apache/kafka image reads.
#
# Runs scripts/generate-ssl-certs.sh (mounted read-only at /src/scripts) on an
# image with bash, openssl and keytool (keytool writes a truststore Java trusts).
# In compose the broker is reached as `kafka`, not localhost, so the broker
# certificate needs that name: EXTRA_SANS (default DNS:kafka) is passed to the
# generator, which adds it to the broker's subjectAltName.
#
# DEVELOPMENT ONLY: passwords come from the environment with dev defaults
# (scripts/lib/dev-passwords.sh); the files written here live only in the volume.
set -euo pipefail

OUT="${CERTS_OUT:-/certs}"
OWNER="${CERTS_OWNER:-1000:1000}" # uid:gid of `node` (consumer) and `appuser` (apache/kafka)
export EXTRA_SANS="${EXTRA_SANS:-DNS:kafka}"

bash "${SCRIPTS_DIR:-/src/scripts}/generate-ssl-certs.sh" --out "$OUT"

# apache/kafka's configure script reads each password from a file named by
# KAFKA_SSL_*_CREDENTIALS inside /etc/kafka/secrets. In a PKCS12 keystore made
# by openssl the key password is the keystore password.
umask 077
printf '%s' "${KAFKA_KEYSTORE_PASSWORD:-changeit-dev}" >"$OUT/broker_keystore_creds"
printf '%s' "${KAFKA_KEYSTORE_PASSWORD:-changeit-dev}" >"$OUT/broker_key_creds"
printf '%s' "${KAFKA_TRUSTSTORE_PASSWORD:-changeit-dev}" >"$OUT/broker_truststore_creds"

# Readable by the non-root users of the broker and consumer containers only.
chown -R "$OWNER" "$OUT"
chmod -R u=rwX,g=rX,o= "$OUT"

# The consumer verifies the broker's name; say so now if a SAN is missing
# rather than let the TLS handshake fail later with a less obvious error.
sans="$(openssl x509 -in "$OUT/broker.pem" -noout -ext subjectAltName 2>/dev/null | tail -n +2 | tr -d ' ')"
IFS=',' read -r -a wanted <<<"$EXTRA_SANS"
for san in "${wanted[@]}"; do
  [[ -z "$san" || ",$sans," == *",${san/IP:/IPAddress:},"* ]] && continue
  echo "[certs] WARNING: broker certificate lacks $san (has: $sans)." >&2
  echo "[certs] The generator must honour EXTRA_SANS (and regenerate when it changes: --force)," >&2
  echo "[certs] or set KAFKA_TLS_SERVERNAME=localhost for the consumer." >&2
done
echo "[certs] ready in $OUT (broker SANs: $sans)"
