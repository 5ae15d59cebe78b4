#!/usr/bin/env bash
# Formatting, lints and strict type checks, as CI runs them.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PWD/node_modules/.bin:$PATH"

cargo fmt --all -- --check
# The providerKwargs field table is derived from the official specs; it must match them (skipped with
# a message when ../shared/specs is absent).
node scripts/derive-known-fields.mjs --check
cargo clippy --workspace --exclude batch-router-wasm --all-targets -- -D warnings
if [ -f target/.use-debian-rust ]; then
  echo "(clippy of the wasm crate skipped: Debian's toolchain has no clippy for wasm32)"
else
  cargo clippy -p batch-router-wasm --target wasm32-unknown-unknown -- -D warnings
fi
tsc --noEmit -p npm/tsconfig.json
tsc --noEmit -p tests/tsconfig.json
# The API reference (typedoc.json: npm/src/index.ts → docs/api); a warning (a broken link, a public
# type that is not exported) fails the lint.
typedoc --treatWarningsAsErrors

# The package as it is published (npm/ must be built: scripts/setup.sh builds it).
publint --strict npm
# batch-router is ESM-only on purpose: its entry initialises the wasm core at import, and one module
# graph serves Node, Deno, Bun and workerd. attw's "CJS resolves to ESM" only restates that for
# `require()`; Node 20.19+/22.12+ can require() it all the same (no top-level await), which
# tests/packaging/run.sh checks. Every other rule stays on.
attw --pack npm --ignore-rules cjs-resolves-to-esm
