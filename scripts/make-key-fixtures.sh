#!/usr/bin/env bash
# Builds fixtures/keys/: one throwaway RSA keypair in every form a legacy Xero integration kept
# it, made with openssl the way Xero's old instructions did (plus the forms .NET and Java users
# converted to). These keys protect nothing; never use them for anything real.
set -euo pipefail
cd "$(dirname "$0")/../fixtures/keys"
PW=fixture-password
printf '%s\n' "$PW" > password.txt
openssl genrsa -traditional -out privatekey-pkcs1.pem 2048 2>/dev/null
openssl pkcs8 -topk8 -nocrypt -in privatekey-pkcs1.pem -out privatekey-pkcs8.pem
openssl pkcs8 -topk8 -v2 aes-256-cbc -passout "pass:$PW" -in privatekey-pkcs1.pem -out privatekey-encrypted.pem
openssl pkcs8 -topk8 -nocrypt -in privatekey-pkcs1.pem -outform DER -out privatekey.pk8
openssl req -new -x509 -key privatekey-pkcs1.pem -out publickey.cer -days 1825 \
  -subj "/C=NZ/O=oauth1to2 fixtures/CN=fixture private app"
openssl pkcs12 -export -out public_privatekey.pfx -inkey privatekey-pkcs1.pem -in publickey.cer -passout "pass:$PW"
openssl genrsa -traditional -out other-privatekey.pem 2048 2>/dev/null
openssl ecparam -name prime256v1 -genkey -noout | openssl pkcs8 -topk8 -nocrypt -out ec-privatekey.pem
echo "made on $(date -u +%Y-%m-%d) with $(openssl version)" > MADE-WITH.txt
