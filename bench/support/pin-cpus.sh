#!/usr/bin/env bash
# While a bench/vs-keda/scale-main.ts run is going, pins (every 5 s, so processes started later are caught) the
# Updraft operator, every thread of it, to CPU 1, and the control plane, Prometheus and the benchmark process to
# CPU 0: the operator then has a core that nothing else takes (docs/scaling.md, "waiting for a core").
# Start it right after scale-main.ts:   bash bench/support/pin-cpus.sh &
set -uo pipefail
while pgrep -f "scale-main.ts" >/dev/null; do
  for p in $(pgrep -f "updraft.js operator"); do taskset -a -cp 1 "$p" >/dev/null 2>&1; done
  for p in $(pgrep -f "kube-apiserver|etcd --name|kube-controller-manager|kube-scheduler|kwok --config|prometheus --config.file|scale-main.ts"); do
    taskset -a -cp 0 "$p" >/dev/null 2>&1
  done
  sleep 5
done
