# shellcheck shell=bash
# The ONE place that names the passwords of the development key and trust
# stores. DEVELOPMENT ONLY: these defaults protect throwaway certificates in
# certs/ on a developer machine or in CI. Production stores and passwords come
# from the deployment's secret store, never from this file.
#
# Each value can be overridden from the environment before sourcing:
#   KAFKA_KEYSTORE_PASSWORD    client and broker PKCS12 keystores. In a PKCS12
#                              file made by openssl the private key is encrypted
#                              with this same password (Java also expects that),
#                              so it is the key password of the .p12 files too.
#   KAFKA_TRUSTSTORE_PASSWORD  client and broker PKCS12 truststores (CA only).
#   KAFKA_KEY_PASSWORD         the encrypted PEM key certs/client.key.enc.pem.
#
# If you change a password, run scripts/generate-ssl-certs.sh --force and
# restart the broker (scripts/stop-local-kafka.sh && scripts/start-local-kafka.sh).

export KAFKA_KEYSTORE_PASSWORD="${KAFKA_KEYSTORE_PASSWORD:-changeit-dev}"
export KAFKA_TRUSTSTORE_PASSWORD="${KAFKA_TRUSTSTORE_PASSWORD:-changeit-dev}"
export KAFKA_KEY_PASSWORD="${KAFKA_KEY_PASSWORD:-changeit-dev}"
