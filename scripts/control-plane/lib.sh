# Shared paths for build.sh / up.sh / down.sh (sourced, not executed).
CP_HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=versions.env
. "$CP_HERE/versions.env"
CP_CACHE=${UPDRAFT_CACHE:-$HOME/.cache/updraft}
CP_ROOT=$CP_CACHE/k8s/$K8S_VERSION
CP_BIN=$CP_ROOT/bin
# The binaries are cached per Kubernetes version; etcd and kwok versions are part of the stamp.
CP_STAMP=$CP_BIN/.stamp
CP_BINARIES=(kube-apiserver kube-controller-manager kube-scheduler kubectl etcd kwok)
