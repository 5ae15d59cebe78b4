// Issue 16: the job stores on Cloudflare (D1 for manifests and leases, R2 for bulk files) inside
// workerd through Miniflare, which keeps D1 and R2 in memory here. Node only (Miniflare runs under
// Node): part of the Node leg of scripts/test.sh.
import assert from "node:assert/strict";
import { dirname, join } from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";

import { Miniflare } from "miniflare";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
let miniflare;

before(() => {
  miniflare = new Miniflare({
    modules: true,
    scriptPath: join(root, "tests", "workerd", "serverless-worker.mjs"),
    modulesRoot: root,
    modulesRules: [
      { type: "ESModule", include: ["**/*.js", "**/*.mjs"] },
      { type: "CompiledWasm", include: ["**/*.wasm"] },
    ],
    compatibilityDate: "2025-09-01",
    compatibilityFlags: ["nodejs_compat"],
    d1Databases: ["DB"],
    r2Buckets: ["BUCKET"],
  });
});

after(async () => {
  await miniflare?.dispose();
});

test("D1JobStore and R2Storage keep the storage contract in workerd", async () => {
  const response = await miniflare.dispatchFetch("http://localhost/contract");
  const body = await response.json();
  assert.equal(body.error, undefined, body.error);
  assert.deepEqual(body.failures, []);
});

test("a job on R2Storage keeps each batch's request files (no rename onto itself)", async () => {
  const response = await miniflare.dispatchFetch("http://localhost/job-files");
  const body = await response.json();
  assert.equal(body.error, undefined, body.error);
  assert.equal(body.succeeded, 2);
  assert.equal(body.batches.length, 1);
  const batch = body.batches[0];
  for (const kind of ["unified", "provider", "output", "results"]) assert.ok(body.files.includes(`generated/openai/batch_${batch}_${kind}.jsonl`), `${kind} missing from ${body.files.join(", ")}`);
  assert.deepEqual(
    body.files.filter((key) => key.endsWith(".part")),
    [],
  );
});

test("overlapping, killed invocations on D1 + R2: no duplicate batch, no lost request, every custom id once", async () => {
  let killed = 0;
  let busy = 0;
  for (const seed of [201, 202, 203]) {
    const response = await miniflare.dispatchFetch(`http://localhost/overlap?seed=${seed}`);
    const body = await response.json();
    assert.equal(body.error, undefined, body.error);
    killed += body.report.killed;
    busy += body.report.busy;
  }
  assert.ok(killed >= 3, `only ${killed} invocations were killed`);
  assert.ok(busy >= 3, `only ${busy} invocations found the job busy`);
});
