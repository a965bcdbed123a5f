#!/usr/bin/env bash
# Builds the local control plane's binaries from the Go module proxy and caches them in
# ${UPDRAFT_CACHE:-$HOME/.cache/updraft}/k8s/<K8S_VERSION>/bin:
#   kube-apiserver, kube-controller-manager, kube-scheduler, kubectl  (k8s.io/kubernetes)
#   etcd                                                             (go.etcd.io/etcd/server/v3)
#   kwok                                                             (sigs.k8s.io/kwok)
# plus kwok-stages.yaml (kwok's default node/pod lifecycle stages, taken from the kwok module).
#
# Idempotent: when the binaries exist and were built from the same versions.env and wrapper
# modules (gomod/*/go.mod + go.sum), it exits at once. The module and build caches live under
# the same cache dir, so an interrupted or changed build resumes from what was compiled.
# Safe to run concurrently (flock). Prints the bin dir on stdout.
#
# usage: scripts/control-plane/build.sh [--force]
set -euo pipefail
. "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib.sh"

force=0
[ "${1:-}" = "--force" ] && force=1

log() { echo "control-plane/build: $*" >&2; }

# The stamp is a hash of everything that decides what gets built.
want_stamp() {
  cat "$CP_HERE/versions.env" "$CP_HERE"/gomod/*/go.mod "$CP_HERE"/gomod/*/go.sum | sha256sum | cut -d' ' -f1
}

is_current() {
  [ -f "$CP_STAMP" ] && [ "$(cat "$CP_STAMP")" = "$(want_stamp)" ] || return 1
  local b
  for b in "${CP_BINARIES[@]}"; do [ -x "$CP_BIN/$b" ] || return 1; done
  [ -f "$CP_BIN/kwok-stages.yaml" ]
}

if [ $force = 0 ] && is_current; then
  echo "$CP_BIN"
  exit 0
fi

command -v go >/dev/null || { log "go is not installed (need go >= 1.26)"; exit 1; }

mkdir -p "$CP_ROOT"
exec 9>"$CP_ROOT/.build.lock"
if ! flock -n 9; then
  log "another build is running; waiting for it"
  flock 9
fi
# The build that held the lock may have produced what we need.
if [ $force = 0 ] && is_current; then
  echo "$CP_BIN"
  exit 0
fi

# The wrapper modules must name the versions in versions.env, or the stamp would lie.
grep -Eq "k8s.io/kubernetes $K8S_VERSION( |$)" "$CP_HERE/gomod/kubernetes/go.mod" \
  || { log "gomod/kubernetes/go.mod does not require k8s.io/kubernetes $K8S_VERSION (versions.env)"; exit 1; }
staging="v0.${K8S_VERSION#v1.}"
if grep -E '=> k8s.io/[a-z-]+ v' "$CP_HERE/gomod/kubernetes/go.mod" | grep -vq " $staging\$"; then
  log "gomod/kubernetes/go.mod: every k8s.io staging replace must pin $staging"; exit 1
fi
grep -Eq "go.etcd.io/etcd/server/v3 $ETCD_VERSION( |$)" "$CP_HERE/gomod/etcd/go.mod" \
  || { log "gomod/etcd/go.mod does not require go.etcd.io/etcd/server/v3 $ETCD_VERSION"; exit 1; }
grep -Eq "sigs.k8s.io/kwok $KWOK_VERSION( |$)" "$CP_HERE/gomod/kwok/go.mod" \
  || { log "gomod/kwok/go.mod does not require sigs.k8s.io/kwok $KWOK_VERSION"; exit 1; }

export GOMODCACHE=$CP_CACHE/go/mod
export GOCACHE=$CP_CACHE/go/build
# Pure-Go static binaries, like the upstream release builds; no C toolchain needed.
export CGO_ENABLED=0
# Never fetch another Go toolchain; the wrapper modules say go 1.26.0.
export GOTOOLCHAIN=local
# go.sum is checked in, so every download is verified against it; the checksum database
# itself is not reachable from this network, only the module proxy is.
export GOSUMDB=off
export GOFLAGS="-trimpath -buildvcs=false -mod=readonly"

work=$CP_ROOT/src
stage=$CP_ROOT/bin.new
rm -rf "$stage"
mkdir -p "$work" "$stage"
start=$(date +%s)

build_module() { # name ldflags packages...
  local name=$1 ldflags=$2
  shift 2
  rm -rf "${work:?}/$name"
  cp -r "$CP_HERE/gomod/$name" "$work/$name"
  log "building $name: $* (this takes long on a cold cache)"
  (cd "$work/$name" && go build -ldflags "$ldflags" -o "$stage/" "$@")
}

minor=${K8S_VERSION#v1.}
minor=${minor%%.*}
# What `kubectl version` and /version report; upstream sets the same variables from git.
k8s_ldflags="-s -w"
for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  k8s_ldflags+=" -X $pkg.gitVersion=$K8S_VERSION -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor"
  k8s_ldflags+=" -X $pkg.gitTreeState=clean -X $pkg.buildDate=1970-01-01T00:00:00Z"
done
build_module kubernetes "$k8s_ldflags" \
  k8s.io/kubernetes/cmd/kube-apiserver \
  k8s.io/kubernetes/cmd/kube-controller-manager \
  k8s.io/kubernetes/cmd/kube-scheduler \
  k8s.io/kubernetes/cmd/kubectl

build_module etcd "-s -w" go.etcd.io/etcd/server/v3
mv "$stage/v3" "$stage/etcd" 2>/dev/null || mv "$stage/server" "$stage/etcd"

build_module kwok "-s -w" sigs.k8s.io/kwok/cmd/kwok

# kwok ships its default lifecycle stages as YAML inside its module; the kwok binary only
# reads stages from a config file (kwokctl normally writes it), so collect them here.
kwok_src=$(cd "$work/kwok" && go list -m -f '{{.Dir}}' sigs.k8s.io/kwok)
{
  for f in node/fast/node-initialize.yaml node/heartbeat-with-lease/node-heartbeat-with-lease.yaml \
    pod/fast/pod-ready.yaml pod/fast/pod-complete.yaml pod/fast/pod-delete.yaml; do
    echo "---"
    cat "$kwok_src/kustomize/stage/$f"
  done
} >"$stage/kwok-stages.yaml"

want_stamp >"$stage/.stamp"
rm -rf "$CP_BIN"
mv "$stage" "$CP_BIN"
log "built in $(($(date +%s) - start))s into $CP_BIN"
echo "$CP_BIN"
