#!/usr/bin/env bash
# Issues a serving certificate signed by a running control plane's cluster CA, for a server a
# test runs on 127.0.0.1 behind the apiserver: an aggregated API (APIService caBundle = the
# cluster CA; the aggregator checks the name <service>.<namespace>.svc) or an admission
# webhook (clientConfig.url https://127.0.0.1:PORT/..., caBundle = the cluster CA).
#
# usage: scripts/control-plane/issue-cert.sh DIR NAME HOST...
#   HOST is a DNS name or an IP address; each goes into subjectAltName.
# stdout: the cert path, then the key path (DIR/pki/issued/NAME.crt, .key); the CA that
# signed it is DIR/pki/ca.crt.
set -euo pipefail
dir=${1:?usage: issue-cert.sh DIR NAME HOST...}
name=${2:?usage: issue-cert.sh DIR NAME HOST...}
shift 2
[ $# -gt 0 ] || { echo "issue-cert.sh: give at least one HOST (DNS name or IP)" >&2; exit 2; }
[[ $name =~ ^[A-Za-z0-9._-]+$ ]] || { echo "issue-cert.sh: NAME must be [A-Za-z0-9._-]+, got '$name'" >&2; exit 2; }
[ -f "$dir/pki/ca.key" ] || { echo "issue-cert.sh: $dir/pki/ca.key not found; is $dir a control plane dir made by up.sh?" >&2; exit 1; }
. "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/pki.sh"

san=""
for h in "$@"; do
  if [[ $h =~ ^[0-9.]+$ || $h == *:* ]]; then san+="${san:+,}IP:$h"; else san+="${san:+,}DNS:$h"; fi
done
ca_dir=$dir/pki
pki=$dir/pki/issued
mkdir -p "$pki"
newcert "$name" ca "/CN=$1" server "$san"
echo "$pki/$name.crt"
echo "$pki/$name.key"
