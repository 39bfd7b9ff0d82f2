#!/usr/bin/env bash
# Installs the pinned tools that `npm run deploy:check` and the Node 24 unit run
# need, into a cache outside the clone (reused by later runs on the same
# machine), and writes `export` lines for them to the file named by $1.
#
#   promtool   Debian's `prometheus` package (2.42): only the binary is
#              extracted from the .deb — installing the package would pull 17
#              packages and try to start a prometheus service.
#   kustomize  v5.7.1, built from the Go module proxy (`go install`); a tool
#              already on PATH is not used, so every run renders with the same
#              version.
#   node 24    the `node-linux-<arch>` package of the npm registry (the binary
#              the `node` package would fetch), pinned.
set -euo pipefail
out=${1:?usage: install-tools.sh <env-file>}
tools=${WSQC_TOOLS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/wsqc-tools}
KUSTOMIZE_VERSION=v5.7.1
NODE24_VERSION=24.22.3
mkdir -p "$tools"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
say() { printf '[tools] %s\n' "$*"; }
t0=$(date +%s)

promtool=$(command -v promtool || true)
if [[ -z "$promtool" ]]; then
  promtool=$tools/promtool
  if [[ ! -x "$promtool" ]]; then
    say "promtool: extracting from Debian's prometheus package"
    ( cd "$work" && { apt-get download prometheus >/dev/null 2>&1 || { apt-get update -qq && apt-get download prometheus >/dev/null; }; } )
    dpkg-deb --fsys-tarfile "$work"/prometheus_*.deb | tar -x -C "$work" ./usr/bin/promtool
    mv "$work/usr/bin/promtool" "$promtool"
  fi
fi

kustomize=$tools/kustomize-$KUSTOMIZE_VERSION
if [[ ! -x "$kustomize" ]]; then
  say "kustomize $KUSTOMIZE_VERSION: go install (Go module proxy)"
  GOTOOLCHAIN=local GOFLAGS=-buildvcs=false GOBIN="$work/bin" \
    go install -ldflags='-s -w' "sigs.k8s.io/kustomize/kustomize/v5@$KUSTOMIZE_VERSION"
  mv "$work/bin/kustomize" "$kustomize"
fi

arch=$(node -p process.arch)
node24=$tools/node-v$NODE24_VERSION-linux-$arch/bin/node
if [[ ! -x "$node24" ]]; then
  say "node $NODE24_VERSION: npm package node-linux-$arch"
  npm install --prefix "$work/node" --no-save --no-package-lock --no-audit --no-fund --loglevel=error \
    "node-linux-$arch@$NODE24_VERSION" >/dev/null
  mkdir -p "$(dirname "$node24")"
  mv "$work/node/node_modules/node-linux-$arch/bin/node" "$node24"
fi

{
  printf 'export PROMTOOL=%q\n' "$promtool"
  printf 'export KUSTOMIZE=%q\n' "$kustomize"
  printf 'export NODE24=%q\n' "$node24"
} > "$out"
say "$("$promtool" --version 2>&1 | head -1); kustomize $("$kustomize" version); node $("$node24" --version) ($(( $(date +%s) - t0 )) s)"
