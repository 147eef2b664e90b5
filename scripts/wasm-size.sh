#!/usr/bin/env bash
# Builds the release bundle and prints the size of what a browser downloads,
# raw and brotli-compressed (quality 11, as a CDN or pre-compressor would),
# and fails when the brotli total is not under the budget (400 KiB).
# Usage: scripts/wasm-size.sh [--no-build]   (--no-build: measure target/site as it is)
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${1:-}" != "--no-build" ]; then
  scripts/setup.sh >/dev/null
  export PATH="$PWD/node_modules/.bin:$HOME/.cargo/bin:$PATH"
  cargo leptos build --release >&2
fi
node - <<'JS'
const fs = require("fs");
const zlib = require("zlib");
const dir = "target/site/pkg";
const kib = (n) => (n / 1024).toFixed(1).padStart(8) + " KiB";
let rawTotal = 0, brTotal = 0;
console.log("file".padEnd(22) + "raw".padStart(12) + "brotli".padStart(12));
for (const f of fs.readdirSync(dir).sort().filter((f) => /\.(wasm|js|css)$/.test(f))) {
  const data = fs.readFileSync(`${dir}/${f}`);
  const br = zlib.brotliCompressSync(data, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11 } }).length;
  rawTotal += data.length; brTotal += br;
  console.log(f.padEnd(22) + kib(data.length) + kib(br));
}
console.log("total".padEnd(22) + kib(rawTotal) + kib(brTotal));
const budget = 400 * 1024;
if (brTotal >= budget) {
  console.error(`over budget: ${kib(brTotal).trim()} brotli, the budget is under ${kib(budget).trim()}`);
  process.exit(1);
}
console.log(`within budget: ${kib(budget - brTotal).trim()} to spare`);
JS
