#!/usr/bin/env bash
# Stops a control plane started by up.sh: kwok, scheduler, controller-manager, apiserver, etcd,
# then the watchdog. SIGTERM first, SIGKILL after a grace period; a pid is only signalled while
# its command line still names DIR, so a recycled pid is never hit. Idempotent.
#
# usage: scripts/control-plane/down.sh DIR [--purge]   (--purge also deletes DIR)
set -uo pipefail

dir=${1:?usage: down.sh DIR [--purge]}
purge=${2:-}
[ -d "$dir" ] || { echo "down.sh: no such directory: $dir" >&2; exit 1; }
dir=$(cd "$dir" && pwd)

ours() { # pid: still one of this instance's processes?
  [ -r "/proc/$1/cmdline" ] && tr '\0' ' ' <"/proc/$1/cmdline" | grep -qF -- "$dir"
}

stop() { # name
  local f=$dir/run/$1.pid pid i
  [ -f "$f" ] || return 0
  pid=$(cat "$f")
  if [ "$pid" != "$$" ] && ours "$pid"; then
    kill -TERM "$pid" 2>/dev/null
    for ((i = 0; i < 100; i++)); do
      ours "$pid" || break
      # A zombie still has /proc/<pid> but an empty cmdline, so `ours` turns false.
      sleep 0.1
    done
    if ours "$pid"; then
      echo "down.sh: $1 (pid $pid) ignored SIGTERM for 10s; killing it" >&2
      kill -KILL "$pid" 2>/dev/null
    fi
  fi
  rm -f "$f"
}

# Reverse start order: clients before the apiserver, the apiserver before etcd.
for name in kwok kube-scheduler kube-controller-manager kube-apiserver etcd watchdog; do
  stop "$name"
done

if [ "$purge" = --purge ]; then
  rm -rf "$dir"
fi
exit 0
