#!/usr/bin/env bash
# Makes a CA and a serving certificate for the webhook Service, and prints the caBundle.
#   deploy/gen-certs.sh [DIR] [SERVICE] [NAMESPACE]
set -euo pipefail
dir=${1:-certs} svc=${2:-sigil-webhook} ns=${3:-sigil-system}
mkdir -p "$dir"
umask 077
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 365 \
	-subj "/CN=sigil webhook CA" -keyout "$dir/ca.key" -out "$dir/ca.crt" 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=$svc.$ns.svc" \
	-keyout "$dir/tls.key" -out "$dir/tls.csr" 2>/dev/null
openssl x509 -req -in "$dir/tls.csr" -CA "$dir/ca.crt" -CAkey "$dir/ca.key" -CAcreateserial \
	-days 365 -out "$dir/tls.crt" \
	-extfile <(printf 'subjectAltName=DNS:%s.%s.svc,DNS:%s.%s.svc.cluster.local\n' "$svc" "$ns" "$svc" "$ns") 2>/dev/null
echo "kubectl -n $ns create secret tls sigil-webhook-tls --cert=$dir/tls.crt --key=$dir/tls.key"
echo "caBundle: $(base64 -w0 < "$dir/ca.crt")"
