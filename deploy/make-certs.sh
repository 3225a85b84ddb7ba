#!/usr/bin/env bash
# Makes a throwaway CA and the certificates a TLS cluster needs, valid for
# 30 days: for trying TLS and mutual TLS locally or with
# deploy/docker-compose.tls.yml. A real deployment uses its own CA.
#
#   bash deploy/make-certs.sh [DIR] [MORE_MASTER_NAMES...]
#
# DIR (default deploy/certs) receives:
#   ca.crt                    the CA every process is given as --tls_ca
#   master.crt, master.key    the master's server certificate, for the names
#                             master, localhost, 127.0.0.1 and any given
#   worker.crt, worker.key    a client certificate for workers (mutual TLS)
#
# The CA's key is deleted at the end: nothing more can be signed with it.
# Keys are readable by all (0644) so that containers running as their own
# user can read the bind-mounted copies; they protect nothing real.
set -euo pipefail

dir="${1:-deploy/certs}"
shift || true
extra_names=("$@")
days=30

mkdir -p "$dir"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

new_key() {  # $1: path. ECDSA P-256, PKCS#8 PEM.
  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null
}

openssl_quiet() {  # runs openssl, showing its output only when it fails
  local log="$work/openssl.log"
  openssl "$@" >"$log" 2>&1 || { cat "$log" >&2; return 1; }
}

new_key "$work/ca.key"
openssl_quiet req -x509 -new -key "$work/ca.key" -out "$dir/ca.crt" -days "$days" \
  -subj "/CN=Tessera throwaway CA" \
  -addext "basicConstraints=critical,CA:TRUE" \
  -addext "keyUsage=critical,keyCertSign,cRLSign"

sign() {  # $1: name, $2: extendedKeyUsage, $3: subjectAltName
  new_key "$dir/$1.key"
  openssl_quiet req -new -key "$dir/$1.key" -out "$work/$1.csr" -subj "/CN=$1"
  printf 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=%s\nsubjectAltName=%s\n' \
    "$2" "$3" >"$work/$1.ext"
  openssl_quiet x509 -req -in "$work/$1.csr" -CA "$dir/ca.crt" -CAkey "$work/ca.key" \
    -CAcreateserial -CAserial "$work/ca.srl" -out "$dir/$1.crt" -days "$days" \
    -extfile "$work/$1.ext"
  chmod 0644 "$dir/$1.key"
}

master_names="DNS:master,DNS:localhost,IP:127.0.0.1"
for name in "${extra_names[@]}"; do
  if [[ "$name" =~ ^[0-9.]+$ ]]; then
    master_names+=",IP:$name"
  else
    master_names+=",DNS:$name"
  fi
done
sign master serverAuth "$master_names"
sign worker clientAuth "DNS:worker"

echo "make-certs: CA, master (${master_names//DNS:/}) and worker certificates in $dir, valid $days days"
