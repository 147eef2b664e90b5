#!/usr/bin/env bash
# Idempotent set-up of everything Callwright needs to build, run and test on a
# fresh Debian machine: the wasm32 target, cargo-leptos, the wasm-bindgen CLI,
# npm packages (Tailwind, binaryen's wasm-opt, playwright-core), Debian's
# Chromium and the OpenAPI validator (only with --browser, i.e. for tests)
# and a reachable PostgreSQL.
# Every step is skipped when its result is already present.
set -euo pipefail
cd "$(dirname "$0")/.."

CARGO_LEPTOS_VERSION=0.3.11
WASM_BINDGEN_VERSION=0.2.130

want_browser=0
for arg in "$@"; do
  case "$arg" in
    --browser) want_browser=1 ;;
  esac
done

log() { printf '\033[1m[setup]\033[0m %s\n' "$*" >&2; }

export PATH="$HOME/.cargo/bin:$PATH"

# --- Rust targets --------------------------------------------------------
if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  log "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi
for component in clippy rustfmt; do
  if ! rustup component list --installed | grep -q "^$component"; then
    log "adding the $component component"
    rustup component add "$component"
  fi
done

# Installs a crate from crates.io after pinning one dependency in its own
# lockfile (both tools' published locks need a newer rustc than this one).
install_patched() {
  local crate=$1 version=$2 pin_pkg=$3 pin_ver=$4 features=$5
  log "installing $crate $version (builds from source once; several minutes)"
  cargo info "$crate@$version" >/dev/null
  local archive
  archive=$(ls "$HOME"/.cargo/registry/cache/*/"$crate-$version.crate" | head -n1)
  local work
  work=$(mktemp -d)
  tar -xzf "$archive" -C "$work"
  (
    cd "$work/$crate-$version"
    cargo update -p "$pin_pkg" --precise "$pin_ver"
    # The tools' own release profiles ask for fat LTO and one codegen unit
    # (cargo-leptos alone took 23 minutes on 2 cores); neither matters for a
    # build tool, so the install uses a quick profile.
    # shellcheck disable=SC2086
    CARGO_PROFILE_RELEASE_LTO=false CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16 \
      cargo install --path . --locked $features
  )
  rm -rf "$work"
}

if ! cargo-leptos --version 2>/dev/null | grep -q "$CARGO_LEPTOS_VERSION"; then
  install_patched cargo-leptos "$CARGO_LEPTOS_VERSION" cargo-util-schemas 0.14.1 "--features no_downloads"
fi
if ! wasm-bindgen --version 2>/dev/null | grep -q "$WASM_BINDGEN_VERSION"; then
  install_patched wasm-bindgen-cli "$WASM_BINDGEN_VERSION" webpki-roots 1.0.10 ""
fi

# --- npm packages ----------------------------------------------------------
if [ ! -x node_modules/.bin/tailwindcss ] || [ ! -x node_modules/.bin/wasm-opt ] \
   || [ ! -d node_modules/playwright-core ] || [ package.json -nt node_modules/.package-lock.json ]; then
  log "installing npm packages"
  # `npm install` follows package-lock.json; `npm ci` would refuse a lock that
  # lists only this platform's optional binaries (Tailwind's oxide).
  npm install --no-audit --no-fund
fi

# --- OpenAPI validator (PyPI), used by the test command ----------------------
if [ "$want_browser" = 1 ] && ! python3 -c 'import openapi_spec_validator' 2>/dev/null; then
  log "installing openapi-spec-validator"
  python3 -m pip install --quiet --disable-pip-version-check openapi-spec-validator==0.9.0
fi

# --- schemathesis (PyPI): the REST API fuzzed from its own OpenAPI document --
if [ "$want_browser" = 1 ] && ! command -v schemathesis >/dev/null 2>&1; then
  log "installing schemathesis"
  python3 -m pip install --quiet --disable-pip-version-check schemathesis==4.32.5
fi

# --- Chromium for the browser tests ----------------------------------------
if [ "$want_browser" = 1 ] && [ ! -x /usr/bin/chromium ]; then
  log "installing Debian's chromium"
  if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
fi

# --- PostgreSQL ----------------------------------------------------------
scripts/ensure-postgres.sh
