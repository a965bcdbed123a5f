#!/usr/bin/env bash
# Builds (once, then cached) the local Kubernetes control plane the e2e tests start:
# kube-apiserver, kube-controller-manager, kube-scheduler, kubectl, etcd and kwok from the Go
# module proxy. Cold: tens of minutes on 2 cores; cached: instant. See docs/control-plane.md.
set -euo pipefail
exec bash "$(dirname "$0")/../control-plane/build.sh" >/dev/null
