/**
 * Issue 12, kind 6 — complete means readable, and a 404 is not proof a batch is gone. Providers
 * sometimes answer 404 for a batch seconds after creating it, or for its results after it ended
 * (field case 24); a job keeps the batch it created through such answers for a grace period
 * (`lostBatchGracePeriod`) and counts it lost only when the 404 lasts; a 5xx that outlasts a call's
 * retries does not stop the job within that period either. Case 24 exactly, then the same
 * kind on every provider's emulator, on the status and on the results download. Gemini's state that
 * reads succeeded before the operation is done is still running (field case 14).
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { describe, test } from "node:test";
import { fileURLToPath } from "node:url";

import {
  BatchNotCompleteError,
  BatchRouter,
  GoogleProvider,
  InvalidResponseError,
  MemoryStorage,
  VLLMProvider,
  type BatchProvider,
  type ProviderName,
  type UnifiedRequest,
} from "batch-router";

import { AnthropicEmulator } from "../emulators/anthropic-emulator.js";
import { GeminiEmulator } from "../emulators/gemini-emulator.js";
import { MistralEmulator } from "../emulators/mistral-emulator.js";
import { OpenAIEmulator } from "../emulators/openai-emulator.js";
import { FaultyFetch, scriptedFaults } from "../support/faults.js";
import { collect, fastRouterOptions } from "../support/jobs.js";
import { textRequest } from "../support/requests.js";

const KEY = "test-key-not-found-0123456789";
const fixtures = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "fixtures");

function fixture(path: string): string {
  return readFileSync(join(fixtures, path), "utf8");
}

function json(value: unknown, status = 200): Response {
  return new Response(JSON.stringify(value), { status, headers: { "content-type": "application/json" } });
}

/**
 * Field case 24's canned Anthropic API: the list is empty; the create answers `msgbatch_field24`
 * in progress; the first GET answers 404, later GETs say ended; the results are both succeeded
 * (ids taken from the create body).
 */
function field24Api(resultsNotFound = 0) {
  const base = "http://anthropic.field24.invalid";
  const calls = { creates: 0, gets: 0, results: 0 };
  let customIds: string[] = [];
  const batch = (ended: boolean) => ({
    id: "msgbatch_field24",
    type: "message_batch",
    processing_status: ended ? "ended" : "in_progress",
    request_counts: { processing: ended ? 0 : 2, succeeded: ended ? 2 : 0, errored: 0, canceled: 0, expired: 0 },
    ended_at: ended ? "2026-11-29T10:05:00Z" : null,
    created_at: "2026-11-29T10:00:00Z",
    expires_at: "2026-11-30T10:00:00Z",
    archived_at: null,
    cancel_initiated_at: null,
    results_url: ended ? `${base}/v1/messages/batches/msgbatch_field24/results` : null,
  });
  const notFound = () => new Response(fixture("anthropic/error_not_found.json"), { status: 404, headers: { "content-type": "application/json" } });
  const fetch = async (request: Request): Promise<Response> => {
    const path = new URL(request.url).pathname;
    if (request.method === "GET" && path === "/v1/messages/batches") return json({ data: [], has_more: false, first_id: null, last_id: null });
    if (request.method === "POST" && path === "/v1/messages/batches") {
      calls.creates++;
      const body = (await request.json()) as { requests: { custom_id: string }[] };
      customIds = body.requests.map((item) => item.custom_id);
      return json(batch(false));
    }
    if (request.method === "GET" && path === "/v1/messages/batches/msgbatch_field24") {
      calls.gets++;
      return calls.gets === 1 ? notFound() : json(batch(true));
    }
    if (request.method === "GET" && path === "/v1/messages/batches/msgbatch_field24/results") {
      calls.results++;
      if (calls.results <= resultsNotFound) return notFound();
      const lines = customIds.map((customId) => ({
        custom_id: customId,
        result: {
          type: "succeeded",
          message: {
            id: `msg_${customId}`,
            type: "message",
            role: "assistant",
            model: "claude-haiku-4-5",
            content: [{ type: "text", text: `answer for ${customId}` }],
            stop_reason: "end_turn",
            stop_sequence: null,
            usage: { input_tokens: 5, output_tokens: 2 },
          },
        },
      }));
      return new Response(lines.map((line) => JSON.stringify(line)).join("\n") + "\n", { headers: { "content-type": "application/binary" } });
    }
    return json({ type: "error", error: { type: "not_found_error", message: `no route ${request.method} ${path}` } }, 404);
  };
  return { fetch, calls, base };
}

function field24Requests(): UnifiedRequest[] {
  return fixture("unified/anthropic-two-requests.jsonl")
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => JSON.parse(line) as UnifiedRequest);
}

/** A router that gives a lost batch 150 ms of grace and each request one attempt. */
function shortGraceRouter(base: string, fetch: (request: Request) => Promise<Response>): BatchRouter {
  return new BatchRouter({
    providers: { anthropic: { apiKey: KEY, baseUrl: base, fetch } },
    storage: new MemoryStorage(),
    ...fastRouterOptions(),
    pollInterval: 10,
    maxPollInterval: 20,
    lostBatchGracePeriod: 150,
    maxAttempts: 1,
  });
}

describe("field case 24: a 404 right after create does not abandon the batch", () => {
  for (const resultsNotFound of [0, 1]) {
    test(`the job keeps polling msgbatch_field24 and reads both results${resultsNotFound ? " (its results 404 once too)" : ""}`, async () => {
      const api = field24Api(resultsNotFound);
      const router = new BatchRouter({
        providers: { anthropic: { apiKey: KEY, baseUrl: api.base, fetch: api.fetch } },
        storage: new MemoryStorage(),
        ...fastRouterOptions(),
      });
      // Any error here, JobInterruptedError included, fails the test.
      const summary = await router.runJob({ provider: "anthropic", requests: field24Requests() }, { jobId: "field24" });
      assert.equal(summary.succeeded, 2, JSON.stringify(summary));
      assert.equal(summary.errored, 0);
      assert.equal(summary.batches, 1);
      assert.equal(api.calls.creates, 1, "one POST to /v1/messages/batches");
      assert.ok(api.calls.gets >= 2);
      assert.equal(api.calls.results, 1 + resultsNotFound);
      const results = await collect(router.getJobResults("field24"));
      assert.deepEqual(results.map((result) => [result.customId, result.status]).sort(), [
        ["job-1", "succeeded"],
        ["job-2", "succeeded"],
      ]);
      const manifest = (await router.getJob("field24"))!;
      assert.equal(manifest.submissions[0]!.unavailable, undefined, "the clock is cleared once the batch answered");
    });
  }

  test("a 404 that lasts past the grace period marks the batch lost, and the job still ends", async () => {
    const api = field24Api();
    const always404 = async (request: Request) => {
      const path = new URL(request.url).pathname;
      if (request.method === "GET" && path === "/v1/messages/batches/msgbatch_field24") {
        return new Response(fixture("anthropic/error_not_found.json"), { status: 404, headers: { "content-type": "application/json" } });
      }
      return api.fetch(request);
    };
    const router = shortGraceRouter(api.base, always404);
    const started = Date.now();
    const summary = await router.runJob({ provider: "anthropic", requests: field24Requests() }, { jobId: "field24-lost" });
    assert.ok(Date.now() - started >= 150, "the batch was kept for the grace period");
    assert.equal(summary.succeeded, 0);
    assert.deepEqual(summary.reasons, { batch_not_found: 2 });
    assert.equal(api.calls.creates, 1);
  });
});

describe("a results download that 404s past the grace period", () => {
  test("marks the batch lost (batch_not_found), as a lasting 404 on its status does", async () => {
    const api = field24Api(Number.MAX_SAFE_INTEGER);
    const router = shortGraceRouter(api.base, api.fetch);
    const started = Date.now();
    const summary = await router.runJob({ provider: "anthropic", requests: field24Requests() }, { jobId: "field24-results-lost" });
    assert.ok(Date.now() - started >= 150, "the batch was kept for the grace period");
    assert.equal(summary.succeeded, 0);
    assert.deepEqual(summary.reasons, { batch_not_found: 2 });
    assert.ok(api.calls.results >= 2, "the download was tried again within the grace period");
    assert.equal(api.calls.creates, 1);
  });
});

interface Case {
  provider: ProviderName;
  model: string;
  /** The status read of a batch, and the results download, as paths. */
  status: RegExp;
  download: RegExp;
  emulator(): { fetch: (request: Request) => Promise<Response>; batchCount(): number };
  /** OpenAI's base URL includes `/v1`; the others' are the host. */
  baseUrl?: string;
  /** A provider instance, where options alone cannot make one (vLLM). */
  instance?(fetch: (request: Request) => Promise<Response>): BatchProvider;
}

/** The OpenAI emulator; for vLLM without a key (a local sidecar needs none). */
const openAIEmulator = (apiKey: string | undefined) => () => {
  const emulator = new OpenAIEmulator({ apiKey, startClock: Math.floor(Date.now() / 1000) });
  return { fetch: emulator.fetch, batchCount: () => emulator.batches.size };
};

const cases: Case[] = [
  { provider: "openai", model: "gpt-4o-mini", status: /^\/v1\/batches\/[^/]+$/, download: /^\/v1\/files\/[^/]+\/content$/, emulator: openAIEmulator(KEY), baseUrl: "http://emulated.invalid/v1" },
  {
    provider: "anthropic",
    model: "claude-sonnet-4-5",
    status: /^\/v1\/messages\/batches\/[^/]+$/,
    download: /^\/files\/results\//,
    emulator() {
      const emulator = new AnthropicEmulator({ apiKey: KEY });
      return { fetch: emulator.fetch, batchCount: () => emulator.batches.size };
    },
  },
  {
    provider: "google",
    model: "gemini-2.5-flash",
    status: /^\/v1beta\/batches\/[^/:]+$/,
    download: /^\/download\/v1beta\/files\//,
    emulator() {
      const emulator = new GeminiEmulator({ apiKey: KEY });
      return { fetch: emulator.fetch, batchCount: () => emulator.batches.size };
    },
  },
  {
    provider: "mistral",
    model: "mistral-small-latest",
    status: /^\/v1\/batch\/jobs\/[^/]+$/,
    download: /^\/v1\/files\/[^/]+\/content$/,
    emulator() {
      const emulator = new MistralEmulator({ apiKey: KEY });
      return { fetch: emulator.fetch, batchCount: () => emulator.jobs.size };
    },
  },
  {
    // vLLM speaks OpenAI's files-and-batches API (through the sidecar): the OpenAI emulator stands in.
    provider: "vllm",
    model: "meta-llama/Llama-3.1-8B-Instruct",
    status: /^\/v1\/batches\/[^/]+$/,
    download: /^\/v1\/files\/[^/]+\/content$/,
    emulator: openAIEmulator(undefined),
    instance: (fetch) => new VLLMProvider({ baseUrl: "http://vllm.invalid/v1", fetch, storage: new MemoryStorage() }),
  },
];

describe("a 404 for a batch the job created is transient for a grace period, on every provider", () => {
  for (const testCase of cases) {
    const kinds = [
      { where: "status", fault: "not_found", times: 2, title: "404 twice on the first polls after create" },
      { where: "download", fault: "not_found", times: 2, title: "404 twice on the results download" },
      // More 5xx in a row than a call's retries (fastRouterOptions: 8): within the grace period the job polls on.
      { where: "status", fault: "server_error", times: 12, title: "5xx on the status past a call's retries" },
      { where: "download", fault: "server_error", times: 12, title: "5xx on the download past a call's retries" },
    ] as const;
    for (const { where, fault, times, title } of kinds) {
      test(`${testCase.provider}: ${title} → the batch is kept and read`, async () => {
        const emulator = testCase.emulator();
        const faulty = new FaultyFetch(emulator.fetch, scriptedFaults([{ method: "GET", path: testCase[where], fault, times }]));
        // Gemini through its file route, whose results are a download.
        const route = testCase.provider === "google" ? ("file" as const) : undefined;
        const provider = testCase.instance?.(faulty.fetch) ?? { apiKey: KEY, baseUrl: testCase.baseUrl ?? "http://emulated.invalid", fetch: faulty.fetch, route };
        const router = new BatchRouter({ providers: { [testCase.provider]: provider }, storage: new MemoryStorage(), ...fastRouterOptions() });
        const requests = Array.from({ length: 3 }, (_, index) => ({ ...textRequest(`nf-${index}`, `question ${index}`, testCase.model), generationConfig: { maxTokens: 16 } }));
        const summary = await router.runJob({ provider: testCase.provider, requests }, { jobId: `unavailable-${where}-${fault}` });
        assert.deepEqual(
          faulty.injected.map((injected) => injected.fault),
          Array<string>(times).fill(fault),
        );
        assert.equal(summary.succeeded, 3, JSON.stringify(summary.reasons));
        assert.equal(summary.batches, 1);
        assert.equal(emulator.batchCount(), 1, "no batch created again");
      });
    }
  }
});

describe("field case 14: Gemini's state reads succeeded before the operation is done", () => {
  const operations: Record<string, string> = {
    "/v1beta/batches/field14a": fixture("google/batch_succeeded_not_done.json"),
    "/v1beta/batches/field14b": fixture("google/batch_succeeded_done_without_output.json"),
  };
  const provider = new GoogleProvider({
    apiKey: KEY,
    baseUrl: "http://gemini.field14.invalid",
    storage: false,
    fetch: async (request) => {
      const body = operations[new URL(request.url).pathname];
      return body ? new Response(body, { headers: { "content-type": "application/json" } }) : json({ error: { code: 404, message: "no", status: "NOT_FOUND" } }, 404);
    },
  });

  test("not done: still running (rawStatus kept), and results are not complete yet", async () => {
    const status = await provider.getStatus("batches/field14a");
    assert.equal(status.isComplete(), false);
    assert.equal(status.status, "in_progress");
    assert.equal(status.rawStatus, "BATCH_STATE_SUCCEEDED");
    await assert.rejects(collect(provider.getResults("batches/field14a")), BatchNotCompleteError);
  });

  test("done with no output for two requests: an error, never zero results", async () => {
    const status = await provider.getStatus("batches/field14b");
    assert.equal(status.isComplete(), true);
    await assert.rejects(collect(provider.getResults("batches/field14b")), InvalidResponseError);
  });
});
