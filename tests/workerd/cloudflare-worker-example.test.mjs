// Issue 16, item 5: examples/cloudflare-worker runs as deployed — bundled the way wrangler bundles
// it (esbuild, the "workerd" export condition, the wasm file as its own module), inside workerd
// through Miniflare with a real D1 database and R2 bucket, against the OpenAI emulator on
// 127.0.0.1. A job is started over HTTP, cron ticks (Miniflare's scheduled trigger) create and
// follow its batches, signed webhook deliveries wake it (forged, stale and replayed ones refused),
// and it completes with every custom id exactly once and its transparency files in R2.
// Node only (Miniflare runs under Node): part of the Node leg of scripts/test.sh.
import assert from "node:assert/strict";
import { copyFileSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";

import { build } from "esbuild";
import { Miniflare } from "miniflare";

import { OpenAIEmulator } from "../dist/emulators/openai-emulator.js";
import { assertJobInvariants, jobRequests } from "../dist/support/jobs.js";
import { serve } from "../dist/support/serve.js";
import { openaiBatchEvent } from "../dist/support/webhook-signing.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const example = join(root, "examples", "cloudflare-worker");
const API_KEY = "fake-worker-example-0123456789abcdef";
const KEY_BASE64 = "QmF0Y2hSb3V0ZXJXb3JrZXJFeGFtcGxlS2V5MDEyMzQ=";
const SECRET = `whsec_${KEY_BASE64}`;
const JOBS_TOKEN = "example-jobs-token";

let emulator;
let server;
let miniflare;

/** Bundles the example as wrangler does: one ES module, the wasm import kept as a CompiledWasm module. */
async function bundle() {
  const outdir = mkdtempSync(join(tmpdir(), "batch-router-worker-example-"));
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
  const wrangler = readFileSync(join(example, "wrangler.toml"), "utf8");
  const main = /^main\s*=\s*"([^"]+)"/m.exec(wrangler)[1];
  await build({
    absWorkingDir: example,
    entryPoints: [join(example, main)],
    outfile: join(outdir, "worker.js"),
    bundle: true,
    format: "esm",
    platform: "neutral",
    target: "es2022",
    conditions: ["workerd", "worker", "browser"],
    plugins: [wasmModules],
    logLevel: "warning",
  });
  return { outdir, wrangler };
}

before(async () => {
  emulator = new OpenAIEmulator({ apiKey: API_KEY, startClock: Math.floor(Date.now() / 1000) });
  server = await serve(emulator.fetch);
  const { outdir, wrangler } = await bundle();
  // The bindings the test gives are the ones wrangler.toml declares.
  assert.match(wrangler, /binding = "DB"/);
  assert.match(wrangler, /binding = "BUCKET"/);
  assert.match(wrangler, /crons = \[/);
  miniflare = new Miniflare({
    modules: true,
    scriptPath: join(outdir, "worker.js"),
    modulesRoot: outdir,
    modulesRules: [{ type: "CompiledWasm", include: ["**/*.wasm"] }],
    compatibilityDate: /^compatibility_date = "([^"]+)"/m.exec(wrangler)[1],
    d1Databases: ["DB"],
    r2Buckets: ["BUCKET"],
    bindings: { OPENAI_API_KEY: API_KEY, OPENAI_BASE_URL: `${server.url}/v1`, OPENAI_WEBHOOK_SECRET: SECRET, JOBS_TOKEN },
  });
});

after(async () => {
  await miniflare?.dispose();
  await server?.close();
});

let deliveries = 0;

/** An OpenAI `batch.completed` event for `batchId`, as OpenAI signs it. */
async function webhook(batchId, { id = `msg_${++deliveries}`, timestamp, key = KEY_BASE64 } = {}) {
  const { headers, body } = await openaiBatchEvent(key, batchId, { id, timestamp });
  return miniflare.dispatchFetch("http://localhost/webhooks/openai", { method: "POST", headers, body });
}

async function cronTick() {
  const worker = await miniflare.getWorker();
  await worker.scheduled({ cron: "*/5 * * * *" });
}

const AUTHORIZED = { authorization: `Bearer ${JOBS_TOKEN}` };

async function manifestOf(jobId) {
  const response = await miniflare.dispatchFetch(`http://localhost/jobs/${encodeURIComponent(jobId)}`, { headers: AUTHORIZED });
  assert.equal(response.status, 200);
  return response.json();
}

test("the Worker example: start over HTTP, cron ticks, signed webhooks; the job completes with D1 state and R2 files", async () => {
  const requests = jobRequests();
  const refused = await miniflare.dispatchFetch("http://localhost/jobs", { method: "POST", body: JSON.stringify({ requests }) });
  assert.equal(refused.status, 401, "the start route wants the token");
  const bad = await miniflare.dispatchFetch("http://localhost/jobs", {
    method: "POST",
    headers: { authorization: `Bearer ${JOBS_TOKEN}` },
    body: JSON.stringify({ requests: [requests[0], { ...requests[1], model: undefined }] }),
  });
  assert.equal(bad.status, 400);
  const badBody = await bad.json();
  assert.equal(badBody.index, 1);
  assert.equal(badBody.customId, requests[1].customId);
  // A body that is not JSON is the caller's mistake: 400 with a message, not a 500.
  const notJson = await miniflare.dispatchFetch("http://localhost/jobs", { method: "POST", headers: AUTHORIZED, body: "requests=1" });
  assert.equal(notJson.status, 400);
  assert.match((await notJson.json()).error, /JSON/);
  const started = await miniflare.dispatchFetch("http://localhost/jobs", { method: "POST", headers: { authorization: `Bearer ${JOBS_TOKEN}` }, body: JSON.stringify({ requests }) });
  assert.equal(started.status, 202);
  const { jobId } = await started.json();
  assert.equal(emulator.received.length, 0, "starting a job sends nothing");
  // The job's manifest and results hold its prompts and answers: they want the token too.
  for (const path of [`/jobs/${jobId}`, `/jobs/${jobId}/results`]) {
    assert.equal((await miniflare.dispatchFetch(`http://localhost${path}`)).status, 401, path);
    assert.equal((await miniflare.dispatchFetch(`http://localhost${path}`, { headers: { authorization: "Bearer wrong" } })).status, 401, path);
  }

  // The first tick creates the batches; ticks then follow them until every one is under way.
  await cronTick();
  let manifest = await manifestOf(jobId);
  assert.equal(manifest.state, "running");
  const batchIds = manifest.submissions.map((record) => record.batchId).filter(Boolean);
  assert.ok(batchIds.length >= 2, `the first tick created ${batchIds.length} batches`);
  assert.equal(emulator.batches.size, batchIds.length);

  // Refused deliveries do nothing: forged (another key), stale (an hour old), missing headers.
  const calls = emulator.received.length;
  const forged = await webhook(batchIds[0], { key: "c2VjcmV0LW9mLXNvbWVvbmUtZWxzZS0xMjM0NTY3OA==" });
  assert.equal(forged.status, 401);
  assert.ok(!(await forged.text()).includes(KEY_BASE64), "the secret is not echoed");
  assert.equal((await webhook(batchIds[0], { timestamp: Math.floor(Date.now() / 1000) - 3_600 })).status, 401);
  const unsigned = await miniflare.dispatchFetch("http://localhost/webhooks/openai", { method: "POST", body: "{}" });
  assert.equal(unsigned.status, 400);
  assert.equal(emulator.received.length, calls, "a refused delivery calls no provider");

  // Genuine deliveries wake the job; a replay of one is answered 200 and does nothing.
  const genuine = await webhook(batchIds[0], { id: "msg_first" });
  assert.equal(genuine.status, 200);
  const woke = await genuine.json();
  assert.equal(woke.jobId, jobId);
  assert.ok(["running", "completed"].includes(woke.state), woke.state);
  assert.ok(emulator.received.length > calls, "the webhook's round read the batches");
  const afterWake = emulator.received.length;
  const replay = await webhook(batchIds[0], { id: "msg_first" });
  assert.deepEqual(await replay.json(), { state: "duplicate" });
  assert.equal(emulator.received.length, afterWake, "a replay calls no provider");

  // Webhooks (one per open batch, as OpenAI sends them) and cron ticks take the job to its end.
  for (let round = 0; (manifest = await manifestOf(jobId)).state !== "completed"; round++) {
    assert.ok(round < 40, "the job did not complete in 40 rounds");
    const open = manifest.submissions.find((record) => record.batchId && record.phase !== "collected");
    if (open && round % 2 === 0) assert.equal((await webhook(open.batchId)).status, 200);
    else await cronTick();
  }
  // The next tick sees it completed and takes it off the Worker's list of open jobs.
  await cronTick();
  const openJobs = await (await miniflare.getD1Database("DB")).prepare("SELECT job_id FROM open_jobs").all();
  assert.deepEqual(openJobs.results, []);

  const resultsResponse = await miniflare.dispatchFetch(`http://localhost/jobs/${encodeURIComponent(jobId)}/results`, { headers: AUTHORIZED });
  assert.equal(resultsResponse.status, 200);
  const results = (await resultsResponse.text()).trim().split("\n").map((line) => JSON.parse(line));
  assertJobInvariants(emulator, manifest, results, requests);

  // The job's requests and the transparency files of every batch are in R2; the job state
  // (manifest, leases, seen webhook ids) is in D1.
  const bucket = await miniflare.getR2Bucket("BUCKET");
  const keys = (await bucket.list({ limit: 1000 })).objects.map((object) => object.key);
  assert.ok(keys.some((key) => key.startsWith(`jobs/${jobId}/requests.`)), `R2 has no request file: ${keys.join(", ")}`);
  for (const record of manifest.submissions.filter((one) => one.batchId)) {
    for (const suffix of ["meta.json", "output.jsonl", "results.jsonl"]) {
      assert.ok(keys.includes(`generated/openai/batch_${record.batchId}_${suffix}`), `R2 has no batch_${record.batchId}_${suffix}: ${keys.join(", ")}`);
    }
  }
  const output = await (await bucket.get(`generated/openai/batch_${batchIds[0]}_output.jsonl`)).text();
  assert.match(output, /"custom_id"/);
  for (const key of keys) assert.ok(!(await (await bucket.get(key)).text()).includes(API_KEY), `${key} holds the key`);
  const d1 = await miniflare.getD1Database("DB");
  const records = await d1.prepare("SELECT key FROM batch_router_records").all();
  assert.ok(records.results.some((row) => row.key === `jobs/${jobId}`), "the manifest is a D1 record");
});

test("the Worker example's package.json installs this repository's package, not a name from the registry", () => {
  const manifest = JSON.parse(readFileSync(join(example, "package.json"), "utf8"));
  const dependency = manifest.dependencies["batch-router"];
  assert.match(dependency, /^file:/, "a registry range would install whatever is published under the name");
  const target = join(example, dependency.slice("file:".length));
  assert.equal(JSON.parse(readFileSync(join(target, "package.json"), "utf8")).name, "batch-router", `${dependency} is not the package`);
  assert.ok(manifest.devDependencies?.wrangler, "wrangler is a development dependency (npx would download it)");
});
