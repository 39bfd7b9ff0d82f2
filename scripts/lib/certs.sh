# shellcheck shell=bash
# Certificate helpers for scripts/generate-ssl-certs.sh: key generation,
# signing with explicit validity windows, and store creation.
#
# Why `openssl ca` and not `openssl x509 -req`: OpenSSL 3.0 (Debian 12) has no
# -not_before/-not_after on x509/req (they arrive in 3.4), and -days must be
# positive. `openssl ca -startdate/-enddate` takes any window, past or future,
# which the expiry tests need (an expired and a not-yet-valid client cert).
# https://docs.openssl.org/3.0/man1/openssl-ca/
#
# Expects: info/warn/die from common.sh, WORK (a scratch directory) and
# BROKER_SANS (the broker's subjectAltName value) in the environment.

# utc_stamp OFFSET_SECONDS -> YYYYMMDDHHMMSSZ (GeneralizedTime, accepted by `openssl ca`)
utc_stamp() {
  date -u -d "@$(($(date +%s) + $1))" +%Y%m%d%H%M%SZ
}

new_rsa_key() { # FILE
  # RSA 2048: node-forge (used to read PKCS12 in the service) handles RSA keys only.
  openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$1" 2>/dev/null
  chmod 600 "$1"
}

# Writes $WORK/ca.cnf: a throwaway CA database for `openssl ca`. The config
# reads $ENV::WORK and $ENV::BROKER_SANS, so both must be exported.
ca_db_init() {
  mkdir -p "$WORK/newcerts"
  : >"$WORK/index.txt"
  cat >"$WORK/ca.cnf" <<'EOF'
[ ca ]
default_ca = dev_ca
[ dev_ca ]
database = $ENV::WORK/index.txt
serial = $ENV::WORK/serial
new_certs_dir = $ENV::WORK/newcerts
default_md = sha256
policy = policy_any
unique_subject = no
copy_extensions = none
email_in_dn = no
[ policy_any ]
commonName = supplied
organizationName = optional
organizationalUnitName = optional
[ v3_ca ]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
[ v3_broker ]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = serverAuth,clientAuth
subjectAltName = $ENV::BROKER_SANS
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[ v3_client ]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = clientAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
EOF
}

# sign SUBJECT KEY OUT_PEM EXTENSIONS START END [CA_PEM CA_KEY]
# Without CA_PEM/CA_KEY the certificate is self-signed (a CA).
sign() {
  local subj="$1" key="$2" out="$3" ext="$4" start="$5" end="$6" ca_pem="${7:-}" ca_key="${8:-}"
  local csr log="$WORK/ca.log"
  csr="$WORK/$(basename "$out").csr"
  openssl req -new -key "$key" -subj "$subj" -out "$csr"
  # Random serials: two runs never reuse a serial under the same CA.
  openssl rand -hex 16 | sed 's/^./7/' >"$WORK/serial"
  local -a who=(-selfsign -keyfile "$key")
  [[ -n "$ca_pem" ]] && who=(-cert "$ca_pem" -keyfile "$ca_key")
  openssl ca -batch -config "$WORK/ca.cnf" "${who[@]}" -in "$csr" -out "$out" \
    -notext -extensions "$ext" -startdate "$start" -enddate "$end" >"$log" 2>&1 ||
    die "openssl ca failed for $subj: $(tail -5 "$log")"
}

# keystore_p12 OUT CERT KEY CA_PEM ALIAS [extra openssl pkcs12 args...]
# PKCS12 with key + cert + CA chain. OpenSSL 3 defaults: PBES2/PBKDF2/AES-256-CBC
# for key and certificates, SHA-256 MAC; Java 17 and node-forge read that.
keystore_p12() {
  local out="$1" cert="$2" key="$3" ca="$4" alias="$5"
  shift 5
  openssl pkcs12 -export "$@" -in "$cert" -inkey "$key" -certfile "$ca" -name "$alias" \
    -out "$out" -passout env:KAFKA_KEYSTORE_PASSWORD
  chmod 600 "$out"
}

# truststore_p12 OUT CA_PEM ALIAS
# A certificate-only PKCS12. Java ignores certificates in a PKCS12 file unless
# they carry Oracle's "trusted key usage" attribute; OpenSSL writes it only with
# -jdkTrustStoreCertificate, which is 3.2+. So keytool makes it when present.
truststore_p12() {
  local out="$1" ca="$2" alias="$3"
  rm -f "$out"
  if command -v keytool >/dev/null 2>&1; then
    keytool -importcert -noprompt -alias "$alias" -file "$ca" -keystore "$out" \
      -storetype PKCS12 -storepass:env KAFKA_TRUSTSTORE_PASSWORD >"$WORK/keytool.log" 2>&1 ||
      die "keytool -importcert failed: $(cat "$WORK/keytool.log")"
  elif openssl pkcs12 -help 2>&1 | grep -q jdkTrustStoreCertificate; then
    openssl pkcs12 -export -nokeys -jdkTrustStoreCertificate -in "$ca" -caname "$alias" \
      -out "$out" -passout env:KAFKA_TRUSTSTORE_PASSWORD
  else
    warn "no keytool and OpenSSL < 3.2: $out is readable by OpenSSL/node-forge but Java will see no trusted certificate"
    openssl pkcs12 -export -nokeys -in "$ca" -caname "$alias" \
      -out "$out" -passout env:KAFKA_TRUSTSTORE_PASSWORD
  fi
  chmod 644 "$out"
}

# has_sans CERT "DNS:a,IP:1.2.3.4" -> 0 if every listed name is in CERT's subjectAltName
has_sans() {
  local text want
  text="$(openssl x509 -in "$1" -noout -ext subjectAltName 2>/dev/null | tr -d ' ')" || return 1
  IFS=',' read -ra want <<<"$2"
  local w
  for w in "${want[@]}"; do
    w="${w// /}"
    w="${w/#IP:/IPAddress:}"
    [[ ",${text//$'\n'/,}," == *",$w,"* ]] || return 1
  done
}

# p12_opens FILE PASSWORD_ENV_VAR -> 0 if the PKCS12 MAC verifies with that password.
p12_opens() {
  openssl pkcs12 -in "$1" -noout -passin "env:$2" >/dev/null 2>&1 ||
    openssl pkcs12 -legacy -in "$1" -noout -passin "env:$2" >/dev/null 2>&1
}

# same_public_key CERT KEY [PASSWORD_ENV_VAR]
same_public_key() {
  local a b
  a="$(openssl x509 -in "$1" -noout -pubkey 2>/dev/null)" || return 1
  if [[ -n "${3:-}" ]]; then
    b="$(openssl pkey -in "$2" -passin "env:$3" -pubout 2>/dev/null)" || return 1
  else
    b="$(openssl pkey -in "$2" -pubout 2>/dev/null)" || return 1
  fi
  [[ -n "$a" && "$a" == "$b" ]]
}
