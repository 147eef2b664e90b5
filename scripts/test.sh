#!/usr/bin/env bash
# Runs every Callwright test: set-up, the wasm dependency check, unit and
# integration tests against a real PostgreSQL, then the browser tests in
# headless Chromium against the built app.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --browser
export PATH="$PWD/node_modules/.bin:$HOME/.cargo/bin:$PATH"
# The flags cargo-leptos uses for debug builds, so tests reuse its artifacts.
export RUSTFLAGS="--cfg erase_components"

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
results=$(mktemp)

step "wasm dependency check"
scripts/check-wasm-deps.sh

step "formatting and lints (both builds, warnings are errors)"
cargo fmt --check
cargo clippy --all-targets --features ssr -- -D warnings
# The browser build is the library alone (the binary and the tests need `ssr`).
cargo clippy --lib --features hydrate --target wasm32-unknown-unknown -- -D warnings

step "unit and integration tests"
openapi_out=$(mktemp --suffix=.json)
CALLWRIGHT_OPENAPI_OUT="$openapi_out" cargo test --features ssr --no-fail-fast 2>&1 | tee -a "$results"

step "OpenAPI document validation"
python3 -m openapi_spec_validator "$openapi_out"
rm -f "$openapi_out"

step "build the app (server + wasm + css)"
cargo leptos build

step "browser tests"
target_dir=$(cargo metadata --format-version 1 --no-deps | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).target_directory))')
base=${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/callwright}
db_name="cw_e2e_$$_$(date +%s)"
export E2E_DATABASE_URL="${base%/*}/$db_name"
workdir=$(mktemp -d)
log="$workdir/server.log"
(
  cd "$workdir"
  # Simulated businesses speak at a brisk human pace, so transcripts arrive line by line.
  # Every browser test signs up from 127.0.0.1: the per-client limits are tested elsewhere.
  RATE_LIMIT_SIGNUPS_PER_CLIENT_HOUR=1000 RATE_LIMIT_LOGINS_PER_CLIENT_15_MIN=1000 \
  DATABASE_URL="$E2E_DATABASE_URL" LEPTOS_SITE_ADDR=127.0.0.1:0 LEPTOS_SITE_ROOT="$OLDPWD/target/site" SANDBOX_SPEECH_MS_PER_CHAR=12 \
    CALLWRIGHT_DATA_DIR="$workdir/data" exec "$target_dir/debug/callwright" serve
) >"$workdir/stdout" 2>"$log" &
server=$!
cleanup() {
  kill "$server" 2>/dev/null || true
  wait "$server" 2>/dev/null || true
  psql "${base%/*}/postgres" -qc "DROP DATABASE IF EXISTS $db_name WITH (FORCE)" >/dev/null 2>&1 || true
  rm -rf "$workdir"
}
trap cleanup EXIT
url=""
for _ in $(seq 1 120); do
  url=$(sed -n 's/^callwright listening on //p' "$workdir/stdout" | head -n1)
  [ -n "$url" ] && break
  kill -0 "$server" 2>/dev/null || break
  sleep 0.5
done
if [ -z "$url" ]; then
  echo "the server did not start:" >&2; cat "$log" >&2; exit 1
fi
CALLWRIGHT_E2E_URL="$url" node --test --test-concurrency=1 end2end/ | tee -a "$results" \
  || { echo "server log:" >&2; tail -n 50 "$log" >&2; exit 1; }

step "REST API fuzzed from its OpenAPI document (schemathesis): no 5xx"
jar="$workdir/jar"
curl -fsS -c "$jar" -H 'content-type: application/json' -H "origin: $url" "$url/api/auth/signup" \
  -d "{\"email\":\"fuzz-$$@example.com\",\"password\":\"a long fuzz password\",\"display_name\":\"Fuzz\"}" >/dev/null
token=$(curl -fsS -b "$jar" -H 'content-type: application/json' -H "origin: $url" "$url/api/auth/tokens" -d '{"name":"fuzz"}' \
  | python3 -c 'import json, sys; print(json.load(sys.stdin)["token"])')
# Signing out everywhere and revoking tokens would end the fuzzer's own access.
(cd "$workdir" && schemathesis run "$url/api/openapi.json" -H "Authorization: Bearer $token" \
  --checks not_a_server_error --max-examples 15 --seed 7 \
  --exclude-path-regex '/api/auth/logout-all|/api/auth/tokens') \
  || { echo "server log:" >&2; tail -n 50 "$log" >&2; exit 1; }

step "release bundle size (budget: under 400 KiB brotli)"
# Last, because it replaces the debug bundle in target/site with the release one.
cargo leptos build --release --frontend-only
scripts/wasm-size.sh --no-build

# One closing line for the whole run: cargo's and node's counts added up.
count() {
  awk -v word="$1" '
    /^test result:/ { for (i = 1; i < NF; i++) if ($(i + 1) == word ";") n += $i }
    $1 == "#" && $2 == substr(word, 1, 4) && NF == 3 { n += $3 }
    END { print n + 0 }' "$results"
}
passed=$(count passed)
failed=$(count failed)
rm -f "$results"
echo
echo "$passed passed, $failed failed"
