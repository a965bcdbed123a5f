#!/usr/bin/env bash
# Run by npm run test:slow (not npm test): the build takes about 15 minutes on 2 cores (the scripts/deps/ budget is 10); see docs/authentication.md.
# Run by hand: flock /tmp/updraft-heavy.lock bash scripts/slow/vault.sh
# HashiCorp Vault (the real server, run as `vault server -dev`) for the hashiCorpVault TriggerAuthentication tests,
# built from the Go module proxy: the module zip of github.com/hashicorp/vault, with its replace directives that
# point at sibling folders (./api, ./sdk — separate modules, not inside the zip) dropped so published api/sdk versions
# are used. OpenBao is not served by the module proxy (403 "This module version is not
# available"), hence Vault. Heavy: run under `flock /tmp/updraft-heavy.lock`. Cached: a second run returns at once.
set -euo pipefail
# A release whose go.mod requires published api/sdk versions that match the code: v1.21.4 requires sdk v0.21.0 but
# compiles against its newer in-tree ./sdk (ActivationFunc with a third argument), and the proxy serves no
# pseudo-versions of sdk at a release commit. v1.19.0 was tagged six days after the sdk v0.15.2 it requires
# (a patch tag cut from the same release branch), the closest pair of any 1.15–1.21 release.
VAULT_VERSION="${VAULT_VERSION:-v1.19.0}"
# Empty: the sdk version Vault's go.mod requires.
SDK_VERSION="${VAULT_SDK_VERSION:-}"
. "$(dirname "${BASH_SOURCE[0]}")/../deps/include/go-build.sh"
OUT="$CACHE/vault/$VAULT_VERSION"
BIN="$OUT/vault"
LOG_NAME=scripts/slow/vault.sh
QUIET=1
go_build_start 0 "go is not installed; the Vault tests will be skipped"
go_build_env -mod=mod
dir=$(go_module_dir "github.com/hashicorp/vault@$VAULT_VERSION")
work=$CACHE/vault/src-$VAULT_VERSION
go_module_copy "$dir" "$work"
cd "$work"
for m in api api/auth/approle api/auth/kubernetes api/auth/userpass sdk; do
  go mod edit -dropreplace="github.com/hashicorp/vault/$m"
done
if [ -n "$SDK_VERSION" ]; then go mod edit -require="github.com/hashicorp/vault/sdk@$SDK_VERSION"; fi
go build -p 2 -ldflags "-s -w" -o "$BIN.new" .
mv "$BIN.new" "$BIN"
rm -rf "$work"
"$BIN" version
