#!/usr/bin/env bash
# The package as users get it: `npm pack` of npm/ (built first by scripts/build.mjs), then fresh
# consumer projects that install the tarball and use it:
#   node-typescript  strict tsc (moduleResolution bundler with the package's declarations checked,
#                    then nodenext), compiled and run in Node; the installed `batch-router` command
#                    converts a file; require() from CommonJS loads the ESM-only package
#   deno             deno check + deno run, resolving from node_modules (byonm)
#   bun              bun run of TypeScript source
#   worker           bundled like wrangler (esbuild, "workerd" condition) and run in workerd
#                    through Miniflare (tests/packaging/run-worker.mjs says why a bundle)
# Each consumer copies its template from tests/packaging/<name>/ plus shared/exercise.ts into a
# temporary directory and must print "PACKAGING OK <name>:". Installs are offline-friendly: the
# tarball is a local file and the TypeScript consumer's tools come at the root lock file's versions
# from the npm cache when it has them (--prefer-offline). Closes with "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/../.."
root="$PWD"
export PATH="$HOME/.cargo/bin:$root/node_modules/.bin:$PATH"

work="$(mktemp -d "${TMPDIR:-/tmp}/batch-router-packaging.XXXXXX")"
trap 'rm -rf "$work"' EXIT
passed=0
failed=0
npm_install=(npm install --no-audit --no-fund --prefer-offline --loglevel=error)

# Runs one named check with its output in a log, shown only when it fails (or always with
# PACKAGING_VERBOSE=1). The check passes when it exits 0 and, if a line is expected, prints it.
check() {
  local name="$1" expected="$2"
  shift 2
  local log="$work/$name.log" started=$SECONDS
  if ( "$@" ) >"$log" 2>&1 && { [ -z "$expected" ] || grep -q "^$expected" "$log"; }; then
    passed=$((passed + 1))
    printf 'ok    %-34s %3ss  %s\n' "$name" $((SECONDS - started)) "$(grep -m1 "^${expected:-PACKAGING OK}" "$log" | cut -c1-240)"
    [ "${PACKAGING_VERBOSE:-0}" = 1 ] && sed 's/^/      /' "$log"
  else
    failed=$((failed + 1))
    printf 'FAIL  %s\n' "$name"
    sed 's/^/      /' "$log"
  fi
  return 0
}

locked_version() {
  node -e 'const lock = require(process.argv[1]); process.stdout.write(lock.packages["node_modules/" + process.argv[2]].version)' \
    "$root/package-lock.json" "$1"
}

# --- the tarball ---------------------------------------------------------------------------------

pack() {
  (cd npm && npm pack --json --pack-destination "$work" >"$work/pack.json") || return 1
  node - "$work/pack.json" <<'EOF'
// Reports the tarball and refuses unexpected contents: only the built JS and declarations, the
// wasm module and its bindings, and package.json (npm adds README and LICENSE files when present).
const { readFileSync } = require("node:fs");
const [pack] = JSON.parse(readFileSync(process.argv[2], "utf8"));
console.log(`tarball ${pack.filename}: ${pack.size} bytes packed, ${pack.unpackedSize} bytes unpacked, ${pack.files.length} files`);
for (const file of pack.files) console.log(`  ${String(file.size).padStart(8)}  ${file.path}`);
const allowed = /^(package\.json|README(\.md)?|LICEN[CS]E(\.md)?|dist\/.+\.(js|d\.ts)|wasm\/batch_router_wasm(_bg\.wasm|\.js|\.d\.ts|_bg\.wasm\.d\.ts))$/;
const unexpected = pack.files.map((file) => file.path).filter((path) => !allowed.test(path));
const required = ["package.json", "dist/index.js", "dist/index.d.ts", "dist/index.workerd.js", "dist/index.workerd.d.ts", "dist/cli.js", "wasm/batch_router_wasm_bg.wasm", "wasm/batch_router_wasm.js"];
const missing = required.filter((path) => !pack.files.some((file) => file.path === path));
if (unexpected.length > 0 || missing.length > 0) {
  console.error(`unexpected files: ${unexpected.join(", ") || "none"}; missing files: ${missing.join(", ") || "none"}`);
  process.exit(1);
}
console.log(`PACKAGING OK tarball: ${pack.size} bytes, ${pack.files.length} files`);
EOF
}

echo "== npm pack"
check "tarball contents" "PACKAGING OK tarball" pack
tarball="$(ls "$work"/batch-router-*.tgz 2>/dev/null | head -n1)"
if [ "$failed" -ne 0 ] || [ -z "$tarball" ]; then
  echo "$passed passed, $((failed > 0 ? failed : 1)) failed"
  exit 1
fi
grep -v -e "^PACKAGING OK" -e "^npm warn" "$work/tarball contents.log" | sed 's/^/      /'

# Copies a consumer template and the shared checks into a fresh directory; prints its path.
new_consumer() {
  local directory="$work/consumer-$1"
  mkdir -p "$directory"
  cp -R "tests/packaging/$1/." "$directory/"
  cp tests/packaging/shared/exercise.ts "$directory/src/exercise.ts"
  echo "$directory"
}

# --- Node ESM + TypeScript -----------------------------------------------------------------------

node_typescript() {
  local directory
  directory="$(new_consumer node-typescript)" && cd "$directory" || return 1
  "${npm_install[@]}" "$tarball" "typescript@$(locked_version typescript)" "@types/node@$(locked_version @types/node)" || return 1
  echo "-- tsc, moduleResolution bundler, declarations checked" && node_modules/.bin/tsc -p tsconfig.bundler.json || return 1
  echo "-- tsc, moduleResolution nodenext" && node_modules/.bin/tsc -p tsconfig.json || return 1
  node dist/main.js
}

node_command_line() {
  local directory="$work/consumer-node-typescript" out="$work/cli-out"
  printf '%s\n' '{"customId":"cli","model":"model-x","messages":[{"role":"user","content":"hi"}]}' >"$out.jsonl"
  "$directory/node_modules/.bin/batch-router" convert "$out.jsonl" --provider all --dir "$out" --json >"$out.json" || return 1
  node - "$out.json" "$out" <<'EOF'
const { existsSync, readFileSync } = require("node:fs");
const { join } = require("node:path");
const text = readFileSync(process.argv[2], "utf8");
const report = JSON.parse(text);
const providers = (report.conversions ?? []).map((conversion) => conversion.provider).sort().join(",");
const files = (report.conversions ?? []).flatMap((conversion) => conversion.files);
if (report.ok !== true || providers !== "anthropic,azure,google,groq,mistral,openai,together,vllm,xai" || files.length !== 18 || !files.every((file) => existsSync(join(process.argv[3], file)))) {
  console.error(`unexpected report or files: ${text}`);
  process.exit(1);
}
console.log(`PACKAGING OK command line: batch-router convert --provider all wrote ${files.length} files for ${providers}`);
EOF
}

echo "== consumers (tarball $(basename "$tarball"))"
check "node-typescript (tsc, node)" "PACKAGING OK node-typescript" node_typescript
check "node command line (bin)" "PACKAGING OK command line" node_command_line
check "node commonjs require()" "PACKAGING OK commonjs" bash -c "cd '$work/consumer-node-typescript' && node require-check.cjs"

# --- Deno ----------------------------------------------------------------------------------------

deno_consumer() {
  local directory
  directory="$(new_consumer deno)" && cd "$directory" || return 1
  "${npm_install[@]}" "$tarball" || return 1
  echo "-- deno check" && deno check --quiet --no-lock src/main.ts || return 1
  # Reading its own .wasm is all the package needs: no other permission is granted.
  deno run --no-lock --no-prompt --allow-read=node_modules src/main.ts
}
check "deno (check, run)" "PACKAGING OK deno" deno_consumer

# --- Bun -----------------------------------------------------------------------------------------

bun_consumer() {
  local directory
  directory="$(new_consumer bun)" && cd "$directory" || return 1
  "${npm_install[@]}" "$tarball" || return 1
  bun run src/main.ts
}
check "bun (run)" "PACKAGING OK bun" bun_consumer

# --- Cloudflare Worker ---------------------------------------------------------------------------

worker_consumer() {
  local directory
  directory="$(new_consumer worker)" && cd "$directory" || return 1
  "${npm_install[@]}" "$tarball" || return 1
  echo "-- tsc with the workerd condition" && tsc -p tsconfig.json || return 1
  node "$root/tests/packaging/run-worker.mjs" "$directory"
}
check "worker (esbuild, miniflare)" "PACKAGING OK worker" worker_consumer

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
