# Certificate helpers on openssl (sourced by up.sh and issue-cert.sh; they set $pki, the dir).
# ECDSA P-256 keys: Kubernetes accepts them everywhere (serving, client, service-account
# ES256 tokens) and openssl makes them in milliseconds, unlike RSA.
newkey() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }

newca() { # name CN
  newkey "$pki/$1.key"
  openssl req -x509 -new -key "$pki/$1.key" -subj "/CN=$2" -days 3650 -out "$pki/$1.crt" \
    -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,keyCertSign,cRLSign,digitalSignature" 2>/dev/null
}

newcert() { # name ca subject usage(server|client) [subjectAltName]
  # The CA's files are looked up in $ca_dir when set (issue-cert.sh), else in $pki.
  local name=$1 ca=${ca_dir:-$pki}/$2 subj=$3 usage=$4 san=${5:-}
  newkey "$pki/$name.key"
  {
    echo "basicConstraints=critical,CA:FALSE"
    echo "keyUsage=critical,digitalSignature,keyEncipherment"
    if [ "$usage" = server ]; then echo "extendedKeyUsage=serverAuth"; else echo "extendedKeyUsage=clientAuth"; fi
    if [ -n "$san" ]; then echo "subjectAltName=$san"; fi
  } >"$pki/$name.ext"
  openssl req -new -key "$pki/$name.key" -subj "$subj" 2>/dev/null \
    | openssl x509 -req -CA "$ca.crt" -CAkey "$ca.key" -set_serial "0x$(openssl rand -hex 16)" \
      -days 3650 -extfile "$pki/$name.ext" -out "$pki/$name.crt" 2>/dev/null
  local rc=$?
  rm -f "$pki/$name.ext"
  return $rc
}
