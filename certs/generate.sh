#!/usr/bin/env bash
# Makes a development CA and a webhook serving certificate (ECDSA P-256) with the openssl CLI.
#
#   certs/generate.sh [-o DIR] [--dns NAME]... [--ip ADDRESS]... [--days N] [--new-ca]
#
# Writes into DIR (default: certs/out):
#   ca.crt, ca.key   the CA (reused when DIR already has one, so the caBundle you registered stays
#                    valid across re-runs; --new-ca makes a fresh one)
#   tls.crt          the serving certificate followed by the CA (the chain the server sends)
#   tls.key          its private key (PKCS#8 PEM)
# Without --dns/--ip the names are localhost, 127.0.0.1, ::1 and the in-cluster names of the
# webhook Service (webhook-service.ray-system.svc[.cluster.local]).
#
# The names go into subjectAltName, the only place TLS clients (the API server included) look;
# the subject CN is deliberately not a host name, so nothing can rely on it.
set -euo pipefail

out=certs/out
days=365
new_ca=0
dns=()
ips=()
while [ $# -gt 0 ]; do
  case "$1" in
    -o|--out) out=${2:?"$1 needs a directory"}; shift 2 ;;
    --dns) dns+=("${2:?--dns needs a name}"); shift 2 ;;
    --ip) ips+=("${2:?--ip needs an address}"); shift 2 ;;
    --days) days=${2:?--days needs a number}; shift 2 ;;
    --new-ca) new_ca=1; shift ;;
    -h|--help) sed -n '2,17p' "$0"; exit 0 ;;
    *) echo "generate.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done
case "$days" in ''|*[!0-9]*) echo "generate.sh: --days must be a number" >&2; exit 2 ;; esac
if [ ${#dns[@]} -eq 0 ] && [ ${#ips[@]} -eq 0 ]; then
  dns=(localhost webhook-service.ray-system.svc webhook-service.ray-system.svc.cluster.local)
  ips=(127.0.0.1 ::1)
fi

san=""
for name in "${dns[@]+"${dns[@]}"}"; do san+="${san:+,}DNS:$name"; done
for address in "${ips[@]+"${ips[@]}"}"; do san+="${san:+,}IP:$address"; done

mkdir -p "$out"
umask 077
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

if [ "$new_ca" = 1 ] || [ ! -s "$out/ca.crt" ] || [ ! -s "$out/ca.key" ]; then
  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$work/ca.key"
  openssl req -x509 -new -key "$work/ca.key" -sha256 -days 3650 \
    -subj "/O=ray-operator development/CN=ray-operator development CA" \
    -addext "basicConstraints=critical,CA:TRUE,pathlen:0" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -addext "subjectKeyIdentifier=hash" \
    -out "$work/ca.crt"
  mv "$work/ca.key" "$out/ca.key"
  mv "$work/ca.crt" "$out/ca.crt"
fi

openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$work/tls.key"
openssl req -new -key "$work/tls.key" -subj "/O=ray-operator development/CN=ray-operator webhook" -out "$work/tls.csr"
cat > "$work/ext.cnf" <<CNF
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
subjectAltName = $san
CNF
openssl x509 -req -in "$work/tls.csr" -CA "$out/ca.crt" -CAkey "$out/ca.key" -CAcreateserial \
  -CAserial "$work/ca.srl" -sha256 -days "$days" -extfile "$work/ext.cnf" -out "$work/leaf.crt" 2>/dev/null
cat "$work/leaf.crt" "$out/ca.crt" > "$work/tls.crt"
mv "$work/tls.key" "$out/tls.key"
mv "$work/tls.crt" "$out/tls.crt"
chmod 600 "$out/ca.key" "$out/tls.key"
chmod 644 "$out/ca.crt" "$out/tls.crt"
echo "wrote $out/tls.crt, $out/tls.key, $out/ca.crt for $san" >&2
