#!/bin/sh
# The compose 'secure-init' service (one-shot, before everything else): makes what TLS and Trino's password
# authentication need, in the certs volume, on first start; later starts keep the certificates and only rewrite
# Trino's password file (so a changed TRINO_ANALYST_PASSWORD takes effect).
#
#   ca/ca.key               the deployment's private CA (root only); public/ca.crt is what clients trust
#   gateway/gateway.{crt,key}  the gateway's MQTT and HTTPS certificate (SAN gateway, localhost, 127.0.0.1)
#   trino/trino.pem         Trino's HTTPS key and certificate chain (SAN trino, localhost, 127.0.0.1)
#   trino/password.db       Trino's password file: user analyst, PBKDF2 (Trino's file authenticator format)
#
# To use certificates of your own, put them at these paths before the first start: existing files are kept.
# Usage: secure-init.sh DIR   (needs openssl 3; TRINO_ANALYST_PASSWORD from deploy/env/trino-users.env)
set -eu
dir="${1:?usage: secure-init.sh DIR}"
pass="${TRINO_ANALYST_PASSWORD:-}"
case "$pass" in
  ''|*change-me*) echo "secure-init: TRINO_ANALYST_PASSWORD is unset or still the placeholder of" \
    "deploy/env/trino-users.env.example; set a real one (openssl rand -base64 24)" >&2; exit 1 ;;
esac
if [ "${#pass}" -lt 12 ]; then
  echo "secure-init: TRINO_ANALYST_PASSWORD must be at least 12 characters" >&2; exit 1
fi
umask 077
mkdir -p "$dir/ca" "$dir/public" "$dir/gateway" "$dir/trino"
if [ ! -f "$dir/ca/ca.key" ]; then
  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$dir/ca/ca.key"
  openssl req -x509 -new -key "$dir/ca/ca.key" -sha256 -days 3650 -subj "/CN=STEDI Lakehouse deployment CA" \
    -addext "basicConstraints=critical,CA:true" -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -out "$dir/public/ca.crt"
fi
# server NAME: a P-256 key (PKCS#8, as the gateway reads it) and a certificate the CA signs for NAME and loopback
server() {
  name="$1"
  out="$dir/$name"
  [ -f "$out/$name.crt" ] && return 0
  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$out/$name.key"
  openssl req -new -key "$out/$name.key" -subj "/CN=$name" -out "$out/$name.csr"
  printf 'subjectAltName=DNS:%s,DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:false\nkeyUsage=digitalSignature\nextendedKeyUsage=serverAuth\n' \
    "$name" > "$out/$name.ext"
  openssl x509 -req -in "$out/$name.csr" -CA "$dir/public/ca.crt" -CAkey "$dir/ca/ca.key" -CAcreateserial \
    -sha256 -days 825 -extfile "$out/$name.ext" -out "$out/$name.crt"
  rm -f "$out/$name.csr" "$out/$name.ext"
}
server gateway
server trino
cat "$dir/trino/trino.key" "$dir/trino/trino.crt" "$dir/public/ca.crt" > "$dir/trino/trino.pem"
# Trino's file authenticator: user:iterations:salt:hash, PBKDF2WithHmacSHA1, lower-case hex (at least 1000 rounds)
salt=$(openssl rand -hex 16)
hash=$(openssl kdf -keylen 32 -kdfopt digest:SHA1 -kdfopt "pass:$pass" -kdfopt "hexsalt:$salt" -kdfopt iter:100000 \
  PBKDF2 | tr -d ':' | tr 'A-F' 'a-f')
printf 'analyst:100000:%s:%s\n' "$salt" "$hash" > "$dir/trino/password.db"
chmod 0755 "$dir" "$dir/public" "$dir/gateway" "$dir/trino"
chmod 0644 "$dir/public/ca.crt" "$dir/gateway/gateway.crt" "$dir/trino/trino.crt"
chmod 0400 "$dir/gateway/gateway.key" "$dir/trino/trino.key" "$dir/trino/trino.pem" "$dir/trino/password.db"
if [ "$(id -u)" = 0 ]; then
  # each key readable by its own service's user only: the gateway runs as 10001 (deploy/Dockerfile), Trino as 1000
  chown -R 10001:10001 "$dir/gateway"
  chown -R 1000:1000 "$dir/trino"
fi
echo "secure-init: CA $(openssl x509 -in "$dir/public/ca.crt" -noout -fingerprint -sha256)"
