/**
 * Jobs against the Anthropic, Gemini, Mistral, Together AI and xAI emulators: a create call whose
 * answer is lost is resolved by finding the batch (Gemini by its display name, Mistral by its
 * metadata, xAI by its name, Together by the input file it was created on, Anthropic by request
 * count among the batches newer than the watermark), and seeded random faults at every
 * step leave no duplicate or lost batch and one result per request.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { BatchRouter, JobInterruptedError, MemoryStorage, type JobManifest, type JobSummary, type ProviderName, type UnifiedRequest } from "batch-router";

import { AnthropicEmulator } from "../emulators/anthropic-emulator.js";
import { GeminiEmulator } from "../emulators/gemini-emulator.js";
import { MistralEmulator } from "../emulators/mistral-emulator.js";
import { togetherEmulator } from "../emulators/together-emulator.js";
import { XAIEmulator } from "../emulators/xai-emulator.js";
import { FaultyFetch, randomFaults, scriptedFaults, type FaultSchedule } from "../support/faults.js";
import { collect, fastRouterOptions } from "../support/jobs.js";
import { textRequest } from "../support/requests.js";

const KEY = "test-key-0123456789";

interface Case {
  provider: ProviderName;
  model: string;
  /** The create call, for scripted faults. */
  create: RegExp;
  route?: "file" | "inline";
  /** The base URL the provider is given (default `http://emulated.invalid`). */
  baseUrl?: string;
  emulator(): { fetch: (request: Request) => Promise<Response>; batchIds(): string[] };
}

const cases: Case[] = [
  {
    provider: "anthropic",
    model: "claude-sonnet-4-5",
    create: /^\/v1\/messages\/batches$/,
    emulator() {
      const emulator = new AnthropicEmulator({ apiKey: KEY });
      return { fetch: emulator.fetch, batchIds: () => [...emulator.batches.keys()] };
    },
  },
  {
    provider: "google",
    model: "gemini-2.5-flash",
    create: /:batchGenerateContent$/,
    route: "file",
    emulator() {
      const emulator = new GeminiEmulator({ apiKey: KEY });
      return { fetch: emulator.fetch, batchIds: () => [...emulator.batches.keys()] };
    },
  },
  {
    provider: "google",
    model: "gemini-2.5-flash",
    create: /:batchGenerateContent$/,
    route: "inline",
    emulator() {
      const emulator = new GeminiEmulator({ apiKey: KEY });
      return { fetch: emulator.fetch, batchIds: () => [...emulator.batches.keys()] };
    },
  },
  {
    provider: "mistral",
    model: "mistral-small-latest",
    create: /^\/v1\/batch\/jobs$/,
    emulator() {
      const emulator = new MistralEmulator({ apiKey: KEY });
      return { fetch: emulator.fetch, batchIds: () => [...emulator.jobs.keys()] };
    },
  },
  {
    provider: "together",
    model: "meta-llama/Llama-3.3-70B-Instruct-Turbo",
    create: /^\/v1\/batches$/,
    baseUrl: "http://emulated.invalid/v1",
    emulator() {
      const emulator = togetherEmulator({ apiKey: KEY });
      return { fetch: emulator.fetch, batchIds: () => [...emulator.batches.keys()] };
    },
  },
  {
    provider: "xai",
    model: "grok-3-mini",
    create: /^\/v1\/batches$/,
    baseUrl: "http://emulated.invalid/v1",
    emulator() {
      const emulator = new XAIEmulator({ apiKey: KEY, maxPageSize: 100 });
      return { fetch: emulator.fetch, batchIds: () => [...emulator.batches.keys()] };
    },
  },
];

function requestsFor(model: string): UnifiedRequest[] {
  return Array.from({ length: 7 }, (_, index) => ({
    ...textRequest(`item-${index}`, `question number ${index}`, model),
    generationConfig: { maxTokens: 32 },
  }));
}

/** Runs a job to its end under `schedule`, resuming with fresh routers when it stops. */
async function runCase(testCase: Case, schedule: FaultSchedule, jobId: string) {
  const emulator = testCase.emulator();
  const faulty = new FaultyFetch(emulator.fetch, schedule);
  const storage = new MemoryStorage();
  const routerFor = () =>
    new BatchRouter({
      providers: { [testCase.provider]: { apiKey: KEY, baseUrl: testCase.baseUrl ?? "http://emulated.invalid", fetch: faulty.fetch, route: testCase.route } },
      storage,
      ...fastRouterOptions(),
      requestTimeout: 100,
      plan: { maxRequestsPerBatch: 3 },
    });
  const requests = requestsFor(testCase.model);
  let summary: JobSummary | undefined;
  try {
    summary = await routerFor().runJob({ provider: testCase.provider, requests }, { jobId, maxAttempts: 2 });
  } catch (error) {
    assert.ok(error instanceof JobInterruptedError, String(error));
  }
  for (let stops = 0; !summary; stops++) {
    assert.ok(stops < 10, `${jobId}: the job keeps stopping`);
    summary = await routerFor()
      .resumeJob(jobId)
      .catch(() => undefined);
  }
  const router = routerFor();
  const manifest = (await router.getJob(jobId))!;
  const results = await collect(router.getJobResults(jobId));
  return { summary, manifest, results, requests, created: emulator.batchIds(), faulty };
}

function assertExactlyOnce(name: string, manifest: JobManifest, created: string[], results: { customId: string; status: string }[], requests: UnifiedRequest[]) {
  const owned = manifest.submissions.flatMap((record) => (record.batchId === undefined ? [] : [record.batchId]));
  assert.deepEqual([...new Set(owned)].sort(), [...owned].sort(), `${name}: a batch adopted twice`);
  // Every batch on the server is one the job knows (none lost, none duplicated).
  const known = new Set(owned.map((id) => id.replace(/^batches\//, "")));
  for (const id of created) assert.ok(known.has(id.replace(/^batches\//, "")), `${name}: batch ${id} was created but the job lost it`);
  assert.equal(created.length, owned.length, `${name}: ${created.length} batches for ${owned.length} submissions`);
  assert.deepEqual(results.map((result) => result.customId).sort(), requests.map((request) => request.customId).sort(), name);
  assert.ok(results.every((result) => result.status === "succeeded"), `${name}: ${JSON.stringify(results.filter((result) => result.status !== "succeeded"))}`);
}

describe("jobs on every provider's emulator", () => {
  for (const testCase of cases) {
    const name = `${testCase.provider}${testCase.route ? ` (${testCase.route})` : ""}`;

    test(`${name}: a create whose answer was lost is found, not created again`, async () => {
      const schedule = scriptedFaults([{ method: "POST", path: testCase.create, fault: "answer_lost" }]);
      const outcome = await runCase(testCase, schedule, "lost-answer");
      assert.deepEqual(outcome.faulty.injected.map((fault) => fault.fault), ["answer_lost"]);
      assert.equal(outcome.summary.batches, 3);
      assertExactlyOnce(name, outcome.manifest, outcome.created, outcome.results, outcome.requests);
    });

    test(`${name}: seeded random faults leave every batch and request accounted for once`, async () => {
      const runs = [1, 2, 3, 4, 5, 6].map((seed) => runCase(testCase, randomFaults({ seed: seed * 7919, rate: 0.3 }), `seed-${seed}`));
      let injected = 0;
      for (const outcome of await Promise.all(runs)) {
        assertExactlyOnce(`${name} ${outcome.manifest.jobId}`, outcome.manifest, outcome.created, outcome.results, outcome.requests);
        injected += outcome.faulty.injected.length;
      }
      assert.ok(injected >= 20, `${name}: only ${injected} faults were injected`);
    });
  }
});
