#!/usr/bin/env bash
# The whole test suite: Rust unit and handler tests, the sidecar's Ray backend against a Ray head, then the TypeScript suite against the built
# package in Deno, Bun and Node, the package inside workerd (Miniflare), and last the packed tarball
# installed into fresh consumer projects. Run scripts/setup.sh once first. The packaging leg's
# summary ("N passed, N failed") comes last.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PWD/node_modules/.bin:$PATH"

echo "== Rust tests"
cargo test --workspace --exclude batch-router-wasm

echo "== The sidecar's Ray backend against a real Ray head (in a network namespace)"
bash scripts/test-ray.sh

echo "== build the package (incremental)"
node scripts/build.mjs

echo "== TypeScript suite in Deno (built package)"
tsc -p tests/tsconfig.json
# --expose-gc: tests/js/stalled-download.test.ts forces a garbage collection during a stalled read.
deno test --allow-all --quiet --v8-flags=--expose-gc tests/dist/js/

echo "== TypeScript suite in Bun (built package)"
bun test --timeout 60000 tests/dist/js/

echo "== The package as users get it: npm pack, installed into Node/TypeScript, Deno, Bun and Worker projects"
bash tests/packaging/run.sh

echo "== TypeScript suite in Node (built package), the package in workerd through Miniflare, the job"
echo "   stores against a throwaway PostgreSQL cluster (started and stopped by tests/stores/), and the"
echo "   official openai SDK against the vLLM sidecar (target/debug/batch-router-sidecar, built by cargo test)"
node --expose-gc --test tests/dist/js/ tests/workerd/ tests/dist/stores/ tests/sidecar/

