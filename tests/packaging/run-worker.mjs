#!/usr/bin/env node
// Bundles a Worker consumer project the way wrangler does and runs it in workerd through Miniflare.
// Usage: node tests/packaging/run-worker.mjs CONSUMER_DIRECTORY (the project, with batch-router
// installed in its node_modules). Prints the Worker's answer; exits non-zero unless it is a 200.
//
// Why a bundle: a deployed Worker is one bundle that wrangler made with esbuild, resolving packages
// through their `exports` maps with the conditions "workerd", "worker" and "browser", and turning
// each imported `.wasm` file into a separate CompiledWasm module (workerd cannot compile wasm from
// bytes). Doing the same here tests the exports map and the workerd entry as users get them,
// including whether a bundler keeps the entry's initialisation (its `sideEffects` declaration).
import { copyFileSync, mkdirSync } from "node:fs";
import { basename, join, resolve } from "node:path";

import { build } from "esbuild";
import { Miniflare } from "miniflare";

const consumer = resolve(process.argv[2] ?? "");
const outdir = join(consumer, "bundle");
mkdirSync(outdir, { recursive: true });

/** Keeps each `.wasm` import as a module next to the bundle, as wrangler's CompiledWasm rule does. */
const wasmModules = {
  name: "wasm-modules",
  setup(builder) {
    builder.onResolve({ filter: /\.wasm$/ }, (args) => {
      const file = join(args.resolveDir, args.path);
      copyFileSync(file, join(outdir, basename(file)));
      return { path: `./${basename(file)}`, external: true };
    });
  },
};

await build({
  absWorkingDir: consumer,
  entryPoints: [join(consumer, "src", "main.ts")],
  outfile: join(outdir, "worker.js"),
  bundle: true,
  format: "esm",
  platform: "neutral",
  target: "es2022",
  conditions: ["workerd", "worker", "browser"],
  plugins: [wasmModules],
  logLevel: "warning",
});

const miniflare = new Miniflare({
  modules: true,
  scriptPath: join(outdir, "worker.js"),
  modulesRoot: outdir,
  modulesRules: [{ type: "CompiledWasm", include: ["**/*.wasm"] }],
  compatibilityDate: "2025-09-01",
});
try {
  const response = await miniflare.dispatchFetch("http://localhost/");
  console.log(await response.text());
  process.exitCode = response.status === 200 ? 0 : 1;
} finally {
  await miniflare.dispose();
}
