/**
 * Issue 16, item 5: examples/node-postgres-handler.mjs runs as a user runs it — two copies of the
 * server as child processes (`node examples/node-postgres-handler.mjs`), their job state in a real
 * PostgreSQL server (a throwaway cluster, started here and always stopped) through `pg`, their
 * provider the OpenAI emulator on 127.0.0.1. A job is started over HTTP, ticks sent to both copies
 * at once (one advances it, the other finds it busy), signed webhook deliveries wake it (forged,
 * stale and replayed ones refused), and it completes with every custom id exactly once.
 * Node only (the Node leg of scripts/test.sh), as the cluster is started with child processes.
 */
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { dirname, join } from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";

import type { JobManifest, UnifiedResult } from "batch-router";
import pg from "pg";

import { OpenAIEmulator } from "../emulators/openai-emulator.js";
import { assertJobInvariants, jobRequests } from "../support/jobs.js";
import { startCluster, type Cluster } from "../support/postgres-cluster.js";
import { serve, type RunningServer } from "../support/serve.js";
import { openaiBatchEvent } from "../support/webhook-signing.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
const API_KEY = "fake-node-example-0123456789abcdef";
const KEY_BASE64 = "Tm9kZVBvc3RncmVzRXhhbXBsZVNpZ25pbmdLZXkwMTI=";
const JOBS_TOKEN = "example-jobs-token";

let cluster: Cluster;
let emulator: OpenAIEmulator;
let provider: RunningServer;
const children: ChildProcess[] = [];
const servers: string[] = [];

function startServer(): Promise<string> {
  const child = spawn(process.execPath, [join(root, "examples", "node-postgres-handler.mjs")], {
    cwd: root,
    env: {
      PATH: process.env.PATH ?? "",
      PGHOST: cluster.socketDir,
      PGUSER: cluster.user,
      PGDATABASE: "postgres",
      OPENAI_API_KEY: API_KEY,
      OPENAI_BASE_URL: `${provider.url}/v1`,
      OPENAI_WEBHOOK_SECRET: `whsec_${KEY_BASE64}`,
      JOBS_TOKEN,
      PORT: "0",
      TICK_SECONDS: "0",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.push(child);
  let stderr = "";
  child.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    let stdout = "";
    child.stdout!.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
      const match = /listening on (http:\/\/\S+)/.exec(stdout);
      if (match) resolve(match[1]!);
    });
    child.once("exit", (code) => reject(new Error(`the example exited with ${code}: ${stderr}`)));
  });
}

before(async () => {
  cluster = startCluster();
  emulator = new OpenAIEmulator({ apiKey: API_KEY, startClock: Math.floor(Date.now() / 1000) });
  provider = await serve(emulator.fetch);
  servers.push(await startServer(), await startServer());
});

after(async () => {
  for (const child of children) child.kill("SIGTERM");
  await Promise.all(children.map((child) => (child.exitCode === null ? new Promise((resolve) => child.once("exit", resolve)) : undefined)));
  await provider?.close();
  cluster?.stop();
});

const authorization = { authorization: `Bearer ${JOBS_TOKEN}` };

async function tickBoth(): Promise<string[]> {
  const answers = await Promise.all(servers.map((url) => fetch(`${url}/tick`, { method: "POST", headers: authorization })));
  return Promise.all(answers.map(async (answer) => (assert.equal(answer.status, 200), JSON.stringify(await answer.json()))));
}

let deliveries = 0;

async function webhook(batchId: string, options: { id?: string; timestamp?: number; key?: string; server?: number } = {}): Promise<Response> {
  const { headers, body } = await openaiBatchEvent(options.key ?? KEY_BASE64, batchId, { id: options.id ?? `msg_${++deliveries}`, ...(options.timestamp ? { timestamp: options.timestamp } : {}) });
  return fetch(`${servers[options.server ?? 0]}/webhooks/openai`, { method: "POST", headers, body });
}

async function manifestOf(jobId: string): Promise<JobManifest> {
  const response = await fetch(`${servers[1]}/jobs/${encodeURIComponent(jobId)}`, { headers: authorization });
  assert.equal(response.status, 200);
  return (await response.json()) as JobManifest;
}

test("the Node + PostgreSQL example: start, ticks on two servers at once, signed webhooks; the job completes", async () => {
  const requests = jobRequests();
  assert.equal((await fetch(`${servers[0]}/jobs`, { method: "POST", body: JSON.stringify({ requests }) })).status, 401);
  const bad = await fetch(`${servers[0]}/jobs`, { method: "POST", headers: authorization, body: JSON.stringify({ requests: [requests[0], { ...requests[1], model: "" }] }) });
  assert.equal(bad.status, 400);
  assert.deepEqual(((await bad.json()) as { index: number; customId: string }).customId, requests[1]!.customId);
  // A body that is not JSON is the caller's mistake: 400 with a message, not a 500.
  const notJson = await fetch(`${servers[0]}/jobs`, { method: "POST", headers: authorization, body: "requests=1" });
  assert.equal(notJson.status, 400);
  assert.match(((await notJson.json()) as { error: string }).error, /JSON/);
  const started = await fetch(`${servers[0]}/jobs`, { method: "POST", headers: authorization, body: JSON.stringify({ requests }) });
  assert.equal(started.status, 202);
  const { jobId } = (await started.json()) as { jobId: string };
  assert.equal(emulator.received.length, 0, "starting a job sends nothing");
  // The job's manifest and results hold its prompts and answers: they want the token too.
  for (const path of [`/jobs/${jobId}`, `/jobs/${jobId}/results`]) {
    assert.equal((await fetch(`${servers[0]}${path}`)).status, 401, path);
    assert.equal((await fetch(`${servers[0]}${path}`, { headers: { authorization: "Bearer wrong" } })).status, 401, path);
  }

  // Both servers tick at once: one advances the job, the other finds it busy (or, if the first
  // round was already over, advances it in turn); never two creators.
  const first = await tickBoth();
  assert.ok(first.some((answer) => answer.includes('"running"')), first.join(" "));
  let manifest = await manifestOf(jobId);
  const batchIds = manifest.submissions.map((record) => record.batchId).filter((id): id is string => id !== undefined);
  assert.ok(batchIds.length >= 2, `the first ticks created ${batchIds.length} batches`);
  assert.equal(emulator.batches.size, batchIds.length);

  const calls = emulator.received.length;
  assert.equal((await webhook(batchIds[0]!, { key: "c2VjcmV0LW9mLXNvbWVvbmUtZWxzZS0xMjM0NTY3OA==" })).status, 401, "forged");
  assert.equal((await webhook(batchIds[0]!, { timestamp: Math.floor(Date.now() / 1000) - 3_600 })).status, 401, "stale");
  assert.equal(emulator.received.length, calls, "a refused delivery calls no provider");
  const genuine = await webhook(batchIds[0]!, { id: "msg_first" });
  assert.equal(genuine.status, 200);
  assert.equal(((await genuine.json()) as { jobId: string }).jobId, jobId);
  // The same delivery replayed to the other server: the seen ids are shared through PostgreSQL.
  const replay = await webhook(batchIds[0]!, { id: "msg_first", server: 1 });
  assert.deepEqual(await replay.json(), { state: "duplicate" });

  for (let round = 0; (manifest = await manifestOf(jobId)).state !== "completed"; round++) {
    assert.ok(round < 40, "the job did not complete in 40 rounds");
    const open = manifest.submissions.find((record) => record.batchId !== undefined && record.phase !== "collected");
    if (open && round % 2 === 0) assert.equal((await webhook(open.batchId!, { server: round % 4 === 0 ? 0 : 1 })).status, 200);
    else await tickBoth();
  }
  await tickBoth();
  const probe = new pg.Client({ host: cluster.socketDir, user: cluster.user, database: "postgres" });
  await probe.connect();
  try {
    assert.deepEqual((await probe.query("SELECT job_id FROM open_jobs")).rows, [], "the completed job left the open list");
    const records = await probe.query("SELECT key FROM batch_router_records WHERE key = $1", [`jobs/${jobId}`]);
    assert.equal(records.rowCount, 1, "the manifest is a PostgreSQL record");
  } finally {
    await probe.end();
  }
  const answer = await fetch(`${servers[0]}/jobs/${encodeURIComponent(jobId)}/results`, { headers: authorization });
  assert.equal(answer.status, 200);
  const results = (await answer.text())
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line) as UnifiedResult);
  assertJobInvariants(emulator, manifest, results, requests);
});
