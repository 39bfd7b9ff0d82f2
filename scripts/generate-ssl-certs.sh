#!/usr/bin/env bash
# Development certificates for mutual TLS between the service and the local
# Kafka broker: a local CA, a broker certificate (localhost / 127.0.0.1) and a
# client certificate (CN=wifi-scan-queue-consumer), with PKCS12 stores and PEM
# copies. Development only: see scripts/lib/dev-passwords.sh and certs/README.md.
# shellcheck source-path=SCRIPTDIR
set -euo pipefail
WSQC_TAG=certs
# shellcheck source=lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
# shellcheck source=lib/dev-passwords.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/dev-passwords.sh"
# shellcheck source=lib/certs.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/certs.sh"

usage() {
  cat <<EOF
usage: $(basename "$0") [options]
  --out DIR                   output directory (default: $CERTS_DIR)
  --days N                    validity of broker and client certs in days (default 825)
  --not-before-days-ago N     start validity N days in the past (default: 1 hour ago);
                              certs end N days before "now + --days"
  --expired                   make the CLIENT cert already expired (ended 1 day ago)
  --not-yet-valid             make the CLIENT cert valid only from 30 days in the future
  --cn-suffix X               client CN becomes wifi-scan-queue-consumer<X>
  --rc2                       also write kafka.keystore.legacy-rc2.p12 (RC2-40/3DES, -legacy)
  --other-ca                  also write an unrelated CA: other-ca.pem, other-ca.truststore.p12
  --ca-from DIR               sign with the CA in DIR (ca.pem + ca.key) instead of the one in --out
  --new-ca                    make a new CA even if a valid one exists (implies --force)
  --force                     regenerate broker/client certs and stores even if valid
Environment: EXTRA_SANS (e.g. "DNS:kafka,IP:10.0.0.5") adds names to the broker
certificate's subjectAltName (docker/certs-init.sh uses it for DNS:kafka).
Without options an existing valid set is kept. The CA in --out is reused while
it has 30+ days left, so a running broker keeps trusting regenerated clients.
EOF
}

OUT="$CERTS_DIR"
DAYS=825
NB_DAYS_AGO=""
EXPIRED=0 NOT_YET_VALID=0 RC2=0 OTHER_CA=0 FORCE=0 NEW_CA=0
CN_SUFFIX="" CA_FROM=""
REGEN_OPTS=() # options that change the leaves: any of them forces regeneration

while (($#)); do
  case "$1" in
    --out) OUT="${2:?--out needs a directory}"; shift ;;
    --days) DAYS="${2:?--days needs N}"; REGEN_OPTS+=("$1 $2"); shift ;;
    --not-before-days-ago) NB_DAYS_AGO="${2:?needs N}"; REGEN_OPTS+=("$1 $2"); shift ;;
    --expired) EXPIRED=1; REGEN_OPTS+=("$1") ;;
    --not-yet-valid) NOT_YET_VALID=1; REGEN_OPTS+=("$1") ;;
    --cn-suffix) CN_SUFFIX="${2?--cn-suffix needs a value}"; REGEN_OPTS+=("$1 $2"); shift ;;
    --ca-from) CA_FROM="${2:?--ca-from needs a directory}"; REGEN_OPTS+=("$1 $2"); shift ;;
    --rc2) RC2=1 ;;
    --other-ca) OTHER_CA=1 ;;
    --new-ca) NEW_CA=1; FORCE=1 ;;
    --force) FORCE=1 ;;
    -h | --help) usage; exit 0 ;;
    *) usage >&2; die "unknown option: $1" ;;
  esac
  shift
done

[[ "$DAYS" =~ ^[0-9]+$ && "$DAYS" -ge 1 ]] || die "--days must be a positive integer, got '$DAYS'"
[[ -z "$NB_DAYS_AGO" || "$NB_DAYS_AGO" =~ ^[0-9]+$ ]] || die "--not-before-days-ago must be an integer"
((EXPIRED + NOT_YET_VALID < 2)) || die "--expired and --not-yet-valid exclude each other"
need_cmd openssl date
mkdir -p "$OUT"
OUT="$(cd "$OUT" && pwd)"

CLIENT_CN="wifi-scan-queue-consumer${CN_SUFFIX}"
BROKER_SANS="DNS:localhost,IP:127.0.0.1${EXTRA_SANS:+,$EXTRA_SANS}"
export BROKER_SANS
LEAF_FILES=(broker.key broker.pem broker.keystore.p12 broker.truststore.p12
  client.key client.key.enc.pem client.pem kafka.keystore.p12 kafka.truststore.p12)
DAY=86400

# --- is the existing set good? -------------------------------------------------
# Prints the first reason the set in $OUT cannot be kept; silent when it can.
why_not_valid() {
  local f
  for f in ca.pem ca.key "${LEAF_FILES[@]}"; do
    [[ -s "$OUT/$f" ]] || { echo "missing $f"; return; }
  done
  openssl verify -CAfile "$OUT/ca.pem" "$OUT/broker.pem" "$OUT/client.pem" >/dev/null 2>&1 ||
    { echo "broker.pem/client.pem do not verify against ca.pem now (expired, not yet valid or another CA)"; return; }
  for f in ca.pem broker.pem client.pem; do
    openssl x509 -in "$OUT/$f" -noout -checkend $((7 * DAY)) >/dev/null ||
      { echo "$f expires within 7 days"; return; }
  done
  has_sans "$OUT/broker.pem" "$BROKER_SANS" || { echo "broker.pem lacks a subjectAltName of $BROKER_SANS"; return; }
  same_public_key "$OUT/client.pem" "$OUT/client.key" || { echo "client.key does not match client.pem"; return; }
  same_public_key "$OUT/client.pem" "$OUT/client.key.enc.pem" KAFKA_KEY_PASSWORD ||
    { echo "client.key.enc.pem does not open with KAFKA_KEY_PASSWORD"; return; }
  for f in kafka.keystore.p12 broker.keystore.p12; do
    p12_opens "$OUT/$f" KAFKA_KEYSTORE_PASSWORD || { echo "$f does not open with KAFKA_KEYSTORE_PASSWORD"; return; }
  done
  for f in kafka.truststore.p12 broker.truststore.p12; do
    p12_opens "$OUT/$f" KAFKA_TRUSTSTORE_PASSWORD || { echo "$f does not open with KAFKA_TRUSTSTORE_PASSWORD"; return; }
  done
}

ca_usable() { # DIR -> 0 if DIR/ca.pem + ca.key are a matching CA with 30+ days left
  [[ -s "$1/ca.pem" && -s "$1/ca.key" ]] &&
    openssl x509 -in "$1/ca.pem" -noout -checkend $((30 * DAY)) >/dev/null 2>&1 &&
    same_public_key "$1/ca.pem" "$1/ca.key"
}

WORK="$(mktemp -d "$OUT/.gen.XXXXXX")"
export WORK
trap 'rm -rf "$WORK"' EXIT
ca_db_init

REGEN=1
if ((FORCE == 0 && ${#REGEN_OPTS[@]} == 0)); then
  reason="$(why_not_valid)"
  if [[ -z "$reason" ]]; then
    REGEN=0
    info "existing certificates in $OUT are valid; keeping them (use --force to regenerate)"
  else
    info "regenerating: $reason"
  fi
fi

# --- the CA ------------------------------------------------------------------
make_ca() { # DIR NAME CN
  new_rsa_key "$WORK/$2.key"
  sign "/O=wifi-scan-queue-consumer dev/CN=$3" "$WORK/$2.key" "$WORK/$2.pem" v3_ca \
    "$(utc_stamp $((-400 * DAY)))" "$(utc_stamp $(((DAYS > 3650 ? DAYS : 3650) * DAY)))"
  mv "$WORK/$2.key" "$WORK/$2.pem" "$1/"
}

if ((REGEN)); then
  if [[ -n "$CA_FROM" ]]; then
    ca_usable "$CA_FROM" || die "--ca-from $CA_FROM: no usable ca.pem + ca.key there"
    if [[ "$(cd "$CA_FROM" && pwd)" != "$OUT" ]]; then
      cp "$CA_FROM/ca.pem" "$CA_FROM/ca.key" "$OUT/"
      chmod 600 "$OUT/ca.key"
    fi
    info "CA: reusing $CA_FROM/ca.pem"
  elif ((NEW_CA == 0)) && ca_usable "$OUT"; then
    info "CA: reusing $OUT/ca.pem"
  else
    make_ca "$OUT" ca "wsqc-dev-ca${CN_SUFFIX}"
    info "CA: created $OUT/ca.pem"
  fi

  # Validity windows. notBefore defaults to an hour ago to absorb clock skew.
  nb=$((NB_DAYS_AGO ? -NB_DAYS_AGO * DAY : -3600))
  leaf_start="$(utc_stamp "$nb")"
  leaf_end="$(utc_stamp $((nb + DAYS * DAY)))"
  client_start="$leaf_start" client_end="$leaf_end"
  if ((EXPIRED)); then
    client_start="$(utc_stamp $((-(DAYS + 1) * DAY)))" client_end="$(utc_stamp $((-DAY)))"
  elif ((NOT_YET_VALID)); then
    client_start="$(utc_stamp $((30 * DAY)))" client_end="$(utc_stamp $(((30 + DAYS) * DAY)))"
  fi

  info "broker: CN=localhost, subjectAltName $BROKER_SANS"
  new_rsa_key "$WORK/broker.key"
  sign "/CN=localhost" "$WORK/broker.key" "$WORK/broker.pem" v3_broker "$leaf_start" "$leaf_end" \
    "$OUT/ca.pem" "$OUT/ca.key"
  keystore_p12 "$WORK/broker.keystore.p12" "$WORK/broker.pem" "$WORK/broker.key" "$OUT/ca.pem" broker
  truststore_p12 "$WORK/broker.truststore.p12" "$OUT/ca.pem" ca

  info "client: CN=$CLIENT_CN, valid $client_start .. $client_end"
  new_rsa_key "$WORK/client.key"
  sign "/CN=$CLIENT_CN" "$WORK/client.key" "$WORK/client.pem" v3_client "$client_start" "$client_end" \
    "$OUT/ca.pem" "$OUT/ca.key"
  openssl pkcs8 -topk8 -v2 aes-256-cbc -in "$WORK/client.key" -out "$WORK/client.key.enc.pem" \
    -passout env:KAFKA_KEY_PASSWORD
  chmod 600 "$WORK/client.key.enc.pem"
  keystore_p12 "$WORK/kafka.keystore.p12" "$WORK/client.pem" "$WORK/client.key" "$OUT/ca.pem" "$CLIENT_CN"
  truststore_p12 "$WORK/kafka.truststore.p12" "$OUT/ca.pem" ca

  for f in "${LEAF_FILES[@]}"; do mv -f "$WORK/$f" "$OUT/$f"; done
  rm -f "$OUT/kafka.keystore.legacy-rc2.p12" # belonged to the old client key
  {
    echo "# written by scripts/generate-ssl-certs.sh $(date -u +%FT%TZ); no secrets here"
    echo "options: ${REGEN_OPTS[*]:-(none)}"
    echo "client_cn: $CLIENT_CN"
    echo "client_not_before: $client_start"
    echo "client_not_after: $client_end"
    echo "broker_not_after: $leaf_end"
  } >"$OUT/GENERATED.txt"
  info "if the local broker is running, restart it to load new broker certs (scripts/stop-local-kafka.sh; scripts/start-local-kafka.sh)"
fi

# --- additive extras ---------------------------------------------------------
if ((RC2)); then
  if [[ -s "$OUT/kafka.keystore.legacy-rc2.p12" && $REGEN == 0 ]] &&
    p12_opens "$OUT/kafka.keystore.legacy-rc2.p12" KAFKA_KEYSTORE_PASSWORD; then
    info "legacy RC2 keystore present; keeping it"
  elif keystore_p12 "$WORK/legacy.p12" "$OUT/client.pem" "$OUT/client.key" "$OUT/ca.pem" "$CLIENT_CN" -legacy 2>"$WORK/rc2.err"; then
    mv "$WORK/legacy.p12" "$OUT/kafka.keystore.legacy-rc2.p12"
    info "wrote kafka.keystore.legacy-rc2.p12 (RC2-40 certificates, 3DES key: -legacy)"
  else
    warn "this openssl cannot write a legacy RC2 PKCS12 (no legacy provider?): $(head -2 "$WORK/rc2.err")"
  fi
fi

if ((OTHER_CA)); then
  if [[ -s "$OUT/other-ca.pem" && -s "$OUT/other-ca.truststore.p12" ]] &&
    openssl x509 -in "$OUT/other-ca.pem" -noout -checkend $((30 * DAY)) >/dev/null &&
    ! openssl verify -CAfile "$OUT/other-ca.pem" "$OUT/broker.pem" >/dev/null 2>&1; then
    info "other CA present; keeping it"
  else
    make_ca "$OUT" other-ca "wsqc-unrelated-ca${CN_SUFFIX}"
    truststore_p12 "$WORK/other.p12" "$OUT/other-ca.pem" other-ca
    mv "$WORK/other.p12" "$OUT/other-ca.truststore.p12"
    info "wrote other-ca.pem / other-ca.truststore.p12 (a CA that did NOT sign the broker)"
  fi
fi

# --- verify and list -----------------------------------------------------------
check_time=()
if ((REGEN && (EXPIRED || NOT_YET_VALID || ${NB_DAYS_AGO:-0} >= DAYS))); then
  check_time=(-no_check_time) # the window was asked to exclude "now"
fi
info "verify (openssl verify -CAfile ca.pem ${check_time[*]}):"
openssl verify "${check_time[@]}" -CAfile "$OUT/ca.pem" "$OUT/broker.pem" "$OUT/client.pem" ||
  die "verification against ca.pem failed"
((${#check_time[@]})) && info "validity window intentionally excludes 'now' (--expired/--not-yet-valid/--not-before-days-ago)"
for f in broker.pem client.pem; do
  printf '  %-11s %s | %s\n' "$f" "$(openssl x509 -in "$OUT/$f" -noout -subject)" \
    "$(openssl x509 -in "$OUT/$f" -noout -enddate)"
done

list_store() { # FILE PASSWORD_VAR
  local f="$OUT/$1" legacy=()
  [[ -s "$f" ]] || return 0
  [[ "$1" == *legacy* ]] && legacy=(-legacy)
  local enc
  enc="$(openssl pkcs12 "${legacy[@]}" -info -noout -in "$f" -passin "env:$2" 2>&1 | awk '!seen[$0]++' | tr '\n' ';')" ||
    die "$1 does not open with $2"
  printf '  %-31s %s\n' "$1" "$enc"
  if command -v keytool >/dev/null 2>&1; then
    keytool -list -keystore "$f" -storetype PKCS12 -storepass:env "$2" 2>/dev/null |
      grep -E 'contains|Entry' | sed 's/^/      java: /' || warn "keytool cannot read $1"
  fi
}
info "stores:"
for s in kafka.keystore.p12 broker.keystore.p12 kafka.keystore.legacy-rc2.p12; do
  list_store "$s" KAFKA_KEYSTORE_PASSWORD
done
for s in kafka.truststore.p12 broker.truststore.p12 other-ca.truststore.p12; do
  list_store "$s" KAFKA_TRUSTSTORE_PASSWORD
done
info "done: $OUT"
