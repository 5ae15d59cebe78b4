// Runs tests/workerd/worker.mjs inside workerd (Cloudflare's runtime) through Miniflare, which runs
// under Node only: this file is part of the Node leg of scripts/test.sh.
import assert from "node:assert/strict";
import { dirname, join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

import { Miniflare } from "miniflare";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

test("the package works in workerd: conversion, typed errors and a whole batch lifecycle", async () => {
  const miniflare = new Miniflare({
    modules: true,
    scriptPath: join(root, "tests", "workerd", "worker.mjs"),
    modulesRoot: root,
    modulesRules: [
      { type: "ESModule", include: ["**/*.js", "**/*.mjs"] },
      { type: "CompiledWasm", include: ["**/*.wasm"] },
    ],
    compatibilityDate: "2025-09-01",
  });
  try {
    const response = await miniflare.dispatchFetch("http://localhost/");
    const report = await response.json();
    assert.equal(report.error, undefined, report.error);
    assert.ok(report.checks.length >= 11);
    for (const check of report.checks) assert.ok(check.ok, `${check.name}: ${check.detail}`);
  } finally {
    await miniflare.dispose();
  }
});
