#!/usr/bin/env bash
# Starts a real local Kubernetes control plane on 127.0.0.1: etcd, kube-apiserver,
# kube-controller-manager, kube-scheduler and kwok (fake nodes, so pods become Running/Ready).
# Every port is chosen at start, so several instances can run at once.
#
# usage: scripts/control-plane/up.sh [--hpa-sync-period DURATION] [--nodes N] [DIR]
#   DIR                      where state goes (certs, kubeconfigs, logs, pids, etcd data);
#                            default: a fresh directory under ${TMPDIR:-/tmp}
#   --hpa-sync-period D      kube-controller-manager --horizontal-pod-autoscaler-sync-period
#                            (env UPDRAFT_CP_HPA_SYNC_PERIOD); default 15s, the Kubernetes
#                            default. Only tests shorten it.
#   --nodes N                number of kwok fake nodes (env UPDRAFT_CP_NODES, default 1)
#   --watch-pid PID          tear the control plane down when PID exits (env
#                            UPDRAFT_CP_WATCH_PID), so a crashed test leaves no processes
#   --audit-log              kube-apiserver audit log at Metadata level, JSON lines in
#                            DIR/logs/audit.log (env UPDRAFT_CP_AUDIT_LOG=1): who sent which
#                            request; the control plane's own components are left out
# env: UPDRAFT_CP_READY_TIMEOUT seconds to wait for health (default 180)
#      UPDRAFT_CP_AGGREGATOR_ROUTING kube-apiserver --enable-aggregator-routing (default false)
#
# stdout: the admin kubeconfig path (last line). DIR/state.json describes the instance
# (server URL, ports, CA and front-proxy files, pids); DIR/env is the same for shells.
# Stop it with scripts/control-plane/down.sh DIR.
set -euo pipefail
. "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib.sh"

hpa_sync=${UPDRAFT_CP_HPA_SYNC_PERIOD:-15s}
nodes=${UPDRAFT_CP_NODES:-1}
watch_pid=${UPDRAFT_CP_WATCH_PID:-}
audit_log=${UPDRAFT_CP_AUDIT_LOG:-0}
ready_timeout=${UPDRAFT_CP_READY_TIMEOUT:-180}
# false (the Kubernetes default) on purpose: aggregated API servers here run on 127.0.0.1 and
# are reached through an ExternalName Service, which only the ClusterIP resolver (routing off)
# supports; with routing on, the apiserver needs Endpoints/EndpointSlices, and it refuses
# loopback addresses in those. See docs/control-plane.md.
aggregator_routing=${UPDRAFT_CP_AGGREGATOR_ROUTING:-false}
dir=
while [ $# -gt 0 ]; do
  case $1 in
    --hpa-sync-period) hpa_sync=$2; shift 2 ;;
    --nodes) nodes=$2; shift 2 ;;
    --watch-pid) watch_pid=$2; shift 2 ;;
    --audit-log) audit_log=1; shift ;;
    -h|--help) sed -n '2,24p' "$0"; exit 0 ;;
    -*) echo "up.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
    *) dir=$1; shift ;;
  esac
done
[[ $nodes =~ ^[1-9][0-9]*$ ]] || { echo "up.sh: --nodes must be a positive integer, got '$nodes'" >&2; exit 2; }
[[ $aggregator_routing =~ ^(true|false)$ ]] || { echo "up.sh: UPDRAFT_CP_AGGREGATOR_ROUTING must be true or false, got '$aggregator_routing'" >&2; exit 2; }
[[ $hpa_sync =~ ^[0-9]+(ms|s|m)$ ]] || { echo "up.sh: --hpa-sync-period must be a duration like 15s or 500ms, got '$hpa_sync'" >&2; exit 2; }

log() { echo "control-plane/up: $*" >&2; }
t0=$(date +%s%N)
elapsed() { echo "$(( ($(date +%s%N) - t0) / 1000000 ))ms"; }

bash "$CP_HERE/build.sh" >/dev/null
BIN=$CP_BIN

auto_dir=0
if [ -z "$dir" ]; then
  dir=$(mktemp -d "${TMPDIR:-/tmp}/updraft-cp.XXXXXX")
  auto_dir=1
fi
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
case $dir in *[\"\\\ ]*) log "DIR must not contain quotes, backslashes or spaces: $dir"; exit 2 ;; esac
for f in "$dir"/run/*.pid; do
  [ -e "$f" ] || continue
  if kill -0 "$(cat "$f")" 2>/dev/null; then
    log "$dir already has a running control plane ($(basename "$f" .pid) pid $(cat "$f")); run down.sh $dir first"
    exit 1
  fi
done
rm -rf "$dir/run" "$dir/etcd-data" "$dir/state.json" "$dir/env"
mkdir -p "$dir/pki" "$dir/logs" "$dir/run"
pki=$dir/pki

# ---------------------------------------------------------------- certificates (openssl)
. "$CP_HERE/pki.sh"

if [ ! -f "$pki/.complete" ]; then
  # Cluster CA: signs the apiserver serving cert and every client cert (--client-ca-file).
  newca ca updraft-local-cluster-ca
  newcert apiserver ca "/CN=kube-apiserver" server \
    "IP:127.0.0.1,IP:10.96.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local"
  # system:masters is bound to cluster-admin by RBAC bootstrap policy.
  newcert admin ca "/O=system:masters/CN=updraft-admin" client
  # The identities the bootstrap RBAC policy grants the components' permissions to.
  newcert controller-manager ca "/CN=system:kube-controller-manager" client
  newcert scheduler ca "/CN=system:kube-scheduler" client
  newcert kwok ca "/O=system:masters/CN=kwok-controller" client
  # Front proxy (aggregation layer): the apiserver presents front-proxy-client when it proxies
  # to an aggregated API server, which trusts it through front-proxy-ca (published in
  # kube-system/extension-apiserver-authentication as requestheader-client-ca-file).
  newca front-proxy-ca updraft-local-front-proxy-ca
  newcert front-proxy-client front-proxy-ca "/CN=front-proxy-client" client
  # Service-account token signing key pair.
  newkey "$pki/sa.key"
  openssl pkey -in "$pki/sa.key" -pubout -out "$pki/sa.pub" 2>/dev/null
  touch "$pki/.complete"
fi

b64() { base64 -w0 <"$1"; }
kubeconfig() { # file user server
  cat >"$dir/$1.kubeconfig" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: updraft-local
  cluster:
    server: $3
    certificate-authority-data: $(b64 "$pki/ca.crt")
users:
- name: $2
  user:
    client-certificate-data: $(b64 "$pki/$2.crt")
    client-key-data: $(b64 "$pki/$2.key")
contexts:
- name: updraft-local
  context:
    cluster: updraft-local
    user: $2
    namespace: default
current-context: updraft-local
EOF
}

# ---------------------------------------------------------------- processes
# Ports are drawn at random below the kernel's ephemeral range (32768+), where outgoing
# connections never take them, and skipped when something already listens. Two instances
# drawing the same port is unlikely; a component that then fails to bind is detected and the
# whole start is retried with fresh ports.
taken=" "
pick_port() {
  local p
  while :; do
    p=$((20000 + RANDOM % 12000))
    case $taken in *" $p "*) continue ;; esac
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
      taken+="$p "
      echo "$p"
      return
    fi
  done
}

start() { # name args... ; its own session so a Ctrl-C of the caller does not half-kill it
  local name=$1
  shift
  setsid "$@" >"$dir/logs/$name.log" 2>&1 </dev/null &
  echo $! >"$dir/run/$name.pid"
  started+=("$name")
}

alive_or_fail() {
  local name
  for name in "${started[@]}"; do
    if ! kill -0 "$(cat "$dir/run/$name.pid")" 2>/dev/null; then
      log "$name exited during start; last log lines ($dir/logs/$name.log):"
      tail -n 15 "$dir/logs/$name.log" >&2
      if grep -q "address already in use" "$dir/logs/$name.log"; then return 3; fi
      return 1
    fi
  done
}

stop_started() {
  bash "$CP_HERE/down.sh" "$dir" >/dev/null 2>&1 || true
}

# wait_for what command...: polls until the command succeeds, a component dies, or time is up.
wait_for() {
  local what=$1 deadline=$(( $(date +%s) + ready_timeout ))
  shift
  until "$@" >/dev/null 2>&1; do
    alive_or_fail || return $?
    if [ "$(date +%s)" -ge "$deadline" ]; then
      log "timed out after ${ready_timeout}s waiting for $what; logs in $dir/logs"
      return 1
    fi
    sleep 0.2
  done
  log "$what ready after $(elapsed)"
}

https_ok() { # url: GET with the admin client cert, body must be "ok"
  [ "$(curl -sf --max-time 2 --cacert "$pki/ca.crt" --cert "$pki/admin.crt" --key "$pki/admin.key" "$1")" = ok ]
}
component_ok() { # url: kcm and scheduler serve /healthz to anyone (always-allow paths)
  [ "$(curl -sfk --max-time 2 "$1")" = ok ]
}

launch() {
  started=()
  taken=" "
  etcd_port=$(pick_port)
  etcd_peer_port=$(pick_port)
  api_port=$(pick_port)
  kcm_port=$(pick_port)
  sched_port=$(pick_port)
  kwok_port=$(pick_port)
  server=https://127.0.0.1:$api_port
  kubeconfig admin admin "$server"
  kubeconfig controller-manager controller-manager "$server"
  kubeconfig scheduler scheduler "$server"
  kubeconfig kwok kwok "$server"

  rm -rf "$dir/etcd-data"
  audit_args=()
  if [ "$audit_log" = 1 ]; then
    # Metadata level (user, user agent, verb, resource; no bodies), ResponseComplete only: one line per request.
    # The control plane's own components would only add volume: left out by user.
    cat >"$dir/audit-policy.yaml" <<EOP
apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: [RequestReceived, ResponseStarted]
rules:
  - level: None
    users: [system:kube-controller-manager, system:kube-scheduler, kwok-controller, system:apiserver]
  - level: None
    userGroups: [system:serviceaccounts:kube-system, system:nodes]
  - level: Metadata
EOP
    : >"$dir/logs/audit.log"
    audit_args=(--audit-policy-file "$dir/audit-policy.yaml" --audit-log-path "$dir/logs/audit.log"
      --audit-log-format json --audit-log-mode batch --audit-log-batch-max-wait 1s --audit-log-maxsize 0)
  fi
  # Plain HTTP on loopback only; --unsafe-no-fsync because this data is thrown away.
  start etcd "$BIN/etcd" --name "updraft-$etcd_port" --data-dir "$dir/etcd-data" \
    --listen-client-urls "http://127.0.0.1:$etcd_port" --advertise-client-urls "http://127.0.0.1:$etcd_port" \
    --listen-peer-urls "http://127.0.0.1:$etcd_peer_port" --initial-advertise-peer-urls "http://127.0.0.1:$etcd_peer_port" \
    --initial-cluster "updraft-$etcd_port=http://127.0.0.1:$etcd_peer_port" \
    --unsafe-no-fsync --log-level warn
  wait_for etcd curl -sf --max-time 2 "http://127.0.0.1:$etcd_port/health" || return $?

  start kube-apiserver "$BIN/kube-apiserver" \
    --etcd-servers "http://127.0.0.1:$etcd_port" \
    --bind-address 127.0.0.1 --advertise-address 127.0.0.1 --secure-port "$api_port" \
    --cert-dir "$dir/run/apiserver-certs" \
    --tls-cert-file "$pki/apiserver.crt" --tls-private-key-file "$pki/apiserver.key" \
    --client-ca-file "$pki/ca.crt" \
    --authorization-mode RBAC \
    --service-account-issuer https://kubernetes.default.svc.cluster.local \
    --service-account-key-file "$pki/sa.pub" --service-account-signing-key-file "$pki/sa.key" \
    --service-cluster-ip-range 10.96.0.0/16 \
    --endpoint-reconciler-type none \
    --allow-privileged \
    --requestheader-client-ca-file "$pki/front-proxy-ca.crt" \
    --requestheader-allowed-names front-proxy-client \
    --requestheader-username-headers X-Remote-User \
    --requestheader-group-headers X-Remote-Group \
    --requestheader-uid-headers X-Remote-Uid \
    --requestheader-extra-headers-prefix X-Remote-Extra- \
    --proxy-client-cert-file "$pki/front-proxy-client.crt" --proxy-client-key-file "$pki/front-proxy-client.key" \
    --enable-aggregator-routing="$aggregator_routing" \
    --profiling=false "${audit_args[@]}"

  # kwok waits for the apiserver by itself, so it starts alongside it.
  start kwok "$BIN/kwok" --config "$BIN/kwok-stages.yaml" \
    --kubeconfig "$dir/kwok.kubeconfig" \
    --manage-all-nodes=false --manage-nodes-with-annotation-selector kwok.x-k8s.io/node=fake \
    --node-lease-duration-seconds 40 --cidr 10.244.0.1/16 --node-ip 10.0.0.1 \
    --server-address "127.0.0.1:$kwok_port"

  wait_for kube-apiserver https_ok "$server/readyz" || return $?

  # Only once the apiserver is ready: they exit when the RBAC bootstrap policy that lets them
  # read kube-system/extension-apiserver-authentication is not there yet.
  start kube-controller-manager "$BIN/kube-controller-manager" \
    --kubeconfig "$dir/controller-manager.kubeconfig" \
    --authentication-kubeconfig "$dir/controller-manager.kubeconfig" \
    --authorization-kubeconfig "$dir/controller-manager.kubeconfig" \
    --bind-address 127.0.0.1 --secure-port "$kcm_port" \
    --cert-dir "$dir/run/controller-manager-certs" \
    --leader-elect=false \
    --use-service-account-credentials \
    --service-account-private-key-file "$pki/sa.key" --root-ca-file "$pki/ca.crt" \
    --cluster-signing-cert-file "$pki/ca.crt" --cluster-signing-key-file "$pki/ca.key" \
    --horizontal-pod-autoscaler-sync-period "$hpa_sync" \
    --profiling=false
  start kube-scheduler "$BIN/kube-scheduler" \
    --kubeconfig "$dir/scheduler.kubeconfig" \
    --authentication-kubeconfig "$dir/scheduler.kubeconfig" \
    --authorization-kubeconfig "$dir/scheduler.kubeconfig" \
    --bind-address 127.0.0.1 --secure-port "$sched_port" \
    --cert-dir "$dir/run/scheduler-certs" \
    --leader-elect=false --profiling=false

  local kc=("$BIN/kubectl" --kubeconfig "$dir/admin.kubeconfig")
  local i manifest=""
  for ((i = 0; i < nodes; i++)); do
    manifest+="---
apiVersion: v1
kind: Node
metadata:
  name: kwok-node-$i
  annotations:
    kwok.x-k8s.io/node: fake
    node.alpha.kubernetes.io/ttl: \"0\"
  labels:
    kubernetes.io/hostname: kwok-node-$i
    kubernetes.io/os: linux
    kubernetes.io/arch: amd64
    type: kwok
status:
  capacity: {cpu: \"32\", memory: 256Gi, pods: \"110\"}
  allocatable: {cpu: \"32\", memory: 256Gi, pods: \"110\"}
"
  done
  printf '%s' "$manifest" | "${kc[@]}" apply -f - >"$dir/logs/nodes.log" 2>&1 \
    || { log "creating kwok nodes failed:"; cat "$dir/logs/nodes.log" >&2; return 1; }

  wait_for kube-controller-manager component_ok "https://127.0.0.1:$kcm_port/healthz" || return $?
  wait_for kube-scheduler component_ok "https://127.0.0.1:$sched_port/healthz" || return $?
  # Ready comes from kwok; the not-ready taint goes once the node lifecycle controller sees it.
  wait_for "kwok nodes" nodes_ready || return $?
  # Pods are refused until the service-account controller has made "default" (ServiceAccount
  # admission), so a caller could otherwise race it with its first Deployment.
  wait_for "default service account" "${kc[@]}" get serviceaccount default -n default || return $?
}

nodes_ready() {
  local out
  out=$("$BIN/kubectl" --kubeconfig "$dir/admin.kubeconfig" get nodes -l type=kwok \
    -o 'jsonpath={range .items[*]}{.metadata.name}={.status.conditions[?(@.type=="Ready")].status},{.spec.taints[*].key};{end}')
  [ "$(grep -o 'True,;' <<<"$out" | wc -l)" -eq "$nodes" ]
}

attempt=1
while :; do
  rc=0
  launch || rc=$?
  [ $rc = 0 ] && break
  stop_started
  if [ $rc = 3 ] && [ $attempt -lt 3 ]; then
    attempt=$((attempt + 1))
    log "a port was taken meanwhile; retrying with new ports (attempt $attempt)"
    continue
  fi
  log "failed to start; state and logs kept in $dir"
  exit 1
done

if [ -n "$watch_pid" ]; then
  # Watchdog: when the owner process dies without calling down.sh, tear everything down (and
  # delete DIR when up.sh made it, as nobody else knows it is there).
  purge=""
  [ $auto_dir = 1 ] && purge=--purge
  setsid bash -c 'while kill -0 "$1" 2>/dev/null; do sleep 1; done; exec bash "$2" "$3" $4' \
    updraft-cp-watchdog "$watch_pid" "$CP_HERE/down.sh" "$dir" "$purge" >"$dir/logs/watchdog.log" 2>&1 </dev/null &
  echo $! >"$dir/run/watchdog.pid"
fi

pids_json=""
for name in "${started[@]}"; do
  pids_json+="${pids_json:+, }\"$name\": $(cat "$dir/run/$name.pid")"
done
cat >"$dir/state.json" <<EOF
{
  "dir": "$dir",
  "kubeconfig": "$dir/admin.kubeconfig",
  "server": "$server",
  "caFile": "$pki/ca.crt",
  "caKeyFile": "$pki/ca.key",
  "adminCertFile": "$pki/admin.crt",
  "adminKeyFile": "$pki/admin.key",
  "frontProxy": {
    "caFile": "$pki/front-proxy-ca.crt",
    "clientCertFile": "$pki/front-proxy-client.crt",
    "clientKeyFile": "$pki/front-proxy-client.key",
    "allowedNames": ["front-proxy-client"]
  },
  "binDir": "$BIN",
  "kubectl": "$BIN/kubectl",
  "k8sVersion": "$K8S_VERSION",
  "hpaSyncPeriod": "$hpa_sync",
  "nodes": $nodes,
  "auditLog": $( [ "$audit_log" = 1 ] && echo "\"$dir/logs/audit.log\"" || echo null ),
  "ports": {"etcd": $etcd_port, "etcdPeer": $etcd_peer_port, "apiserver": $api_port, "controllerManager": $kcm_port, "scheduler": $sched_port, "kwok": $kwok_port},
  "pids": {$pids_json}
}
EOF
cat >"$dir/env" <<EOF
KUBECONFIG=$dir/admin.kubeconfig
UPDRAFT_CP_SERVER=$server
UPDRAFT_CP_CA=$pki/ca.crt
UPDRAFT_CP_KUBECTL=$BIN/kubectl
EOF
log "up in $(elapsed) ($K8S_VERSION, apiserver $server, state in $dir)"
echo "$dir/admin.kubeconfig"
