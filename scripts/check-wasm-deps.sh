#!/usr/bin/env bash
# Fails when the browser (hydrate) build's dependency tree contains anything
# that belongs on the server only: sqlx, mio, tokio's net driver, async-openai,
# reqwest.
set -euo pipefail
cd "$(dirname "$0")/.."
tree_args=(--target wasm32-unknown-unknown --no-default-features --features hydrate -e normal)

pkgs=$(cargo tree "${tree_args[@]}" --prefix none --format '{p}' | awk '{print $1}' | sort -u)
bad=$(printf '%s\n' "$pkgs" | grep -E '^(sqlx|sqlx-core|sqlx-postgres|mio|async-openai|reqwest)$' || true)

tokio_net=""
if printf '%s\n' "$pkgs" | grep -qx tokio; then
  if cargo tree "${tree_args[@]}" -e features -i tokio --prefix none | grep -q 'tokio feature "net"'; then
    tokio_net="tokio (feature net)"
  fi
fi

if [ -n "$bad$tokio_net" ]; then
  echo "The hydrate (wasm) build depends on server-only crates:" >&2
  printf '  %s\n' $bad "$tokio_net" >&2
  echo "Make them optional and enable them from the ssr feature only." >&2
  exit 1
fi
echo "wasm dependency check: $(printf '%s\n' "$pkgs" | wc -l) crates, none server-only"
