#!/usr/bin/env bash
# Builds and runs Callwright on http://127.0.0.1:3000 (override with
# LEPTOS_SITE_ADDR) with the embedded defaults: the sandbox phone network and
# the offline AI engine. Pass --dev for a faster, unoptimised build.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
export PATH="$PWD/node_modules/.bin:$HOME/.cargo/bin:$PATH"
profile=(--release)
[ "${1:-}" = "--dev" ] && profile=()
exec cargo leptos serve "${profile[@]}"
