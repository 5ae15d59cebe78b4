/**
 * Shared by the job suites and the child-process job script: the job's requests, a fast router
 * configuration, and the invariants every finished job must meet against the OpenAI emulator.
 */
import assert from "node:assert/strict";

import type { BatchRouterOptions, JobManifest, UnifiedRequest, UnifiedResult } from "batch-router";

import type { OpenAIEmulator } from "../emulators/openai-emulator.js";
import { textRequest } from "./requests.js";

export const API_KEY = "fake-test-jobs-0123456789abcdef";
export const JOB_TAG_KEY = "batch_router_job";

/**
 * Twelve requests on two models: plain ones succeed, `FAIL_400` is a permanent error, `FLAKY_500`
 * fails once then succeeds when resubmitted, `FAIL_500` fails on every attempt.
 */
export function jobRequests(): UnifiedRequest[] {
  const requests: UnifiedRequest[] = [];
  for (let index = 0; index < 12; index++) {
    const model = index % 3 === 2 ? "gpt-4o" : "gpt-4o-mini";
    let text = `question ${index}`;
    if (index === 4) text += " FAIL_400";
    if (index === 5 || index === 9) text += " FLAKY_500";
    if (index === 7) text += " FAIL_500";
    requests.push(textRequest(`q-${index}`, text, model));
  }
  return requests;
}

/** The final outcome each request of `jobRequests()` must end with. */
export function expectedOutcome(request: UnifiedRequest): { status: UnifiedResult["status"]; httpStatus?: number } {
  const text = String(request.messages![0]!.content);
  if (text.includes("FAIL_400")) return { status: "errored", httpStatus: 400 };
  if (text.includes("FAIL_500")) return { status: "errored", httpStatus: 500 };
  return { status: "succeeded" };
}

/**
 * A router that retries quickly and polls without waiting (for emulators on this machine). The
 * time limit per call leaves room for a busy machine; suites that inject hangs lower it.
 */
export function fastRouterOptions(): Pick<BatchRouterOptions, "retry" | "requestTimeout" | "pollInterval" | "maxPollInterval" | "maxAttempts" | "plan" | "leaseMs"> {
  return {
    // A killed process's job lease frees the job this soon (suites kill and resume jobs).
    leaseMs: 1_000,
    retry: { maxRetries: 8, initialDelayMs: 1, maxDelayMs: 4 },
    requestTimeout: 500,
    pollInterval: 0,
    maxPollInterval: 1,
    maxAttempts: 3,
    plan: { maxRequestsPerBatch: 4 },
  };
}

/**
 * What must hold once a job has finished, whatever failed on the way:
 * - no duplicate batch: each job tag names at most one batch on the emulator;
 * - no lost batch: every batch on the emulator with this job's tag is one the manifest knows;
 * - no lost request, each accounted once: one result per custom id, each the right one.
 */
export function assertJobInvariants(emulator: OpenAIEmulator, manifest: JobManifest, results: UnifiedResult[], requests: UnifiedRequest[]): void {
  assert.equal(manifest.state, "completed");
  const byTag = new Map<string, string[]>();
  for (const record of emulator.batches.values()) {
    const tag = (record.object.metadata as Record<string, string> | null)?.[JOB_TAG_KEY];
    if (!tag?.startsWith(`${manifest.jobId}.`)) continue;
    byTag.set(tag, [...(byTag.get(tag) ?? []), record.object.id]);
  }
  for (const [tag, ids] of byTag) assert.equal(ids.length, 1, `tag ${tag} has ${ids.length} batches: ${ids.join(", ")}`);
  const known = new Set(manifest.submissions.map((record) => record.batchId));
  for (const [tag, [id]] of byTag) assert.ok(known.has(id), `batch ${id} (${tag}) was created but the job lost it`);
  for (const record of manifest.submissions) {
    if (record.batchId !== undefined) assert.equal(byTag.get(record.tag)?.[0], record.batchId, `record ${record.key}`);
  }

  assert.equal(results.length, requests.length, "one result per request");
  const byId = new Map(results.map((result) => [result.customId, result]));
  assert.equal(byId.size, requests.length, "no custom id twice");
  for (const request of requests) {
    const result = byId.get(request.customId);
    assert.ok(result, `no result for ${request.customId}`);
    const expected = expectedOutcome(request);
    assert.equal(result.status, expected.status, `${request.customId}: ${JSON.stringify(result.error)}`);
    if (expected.status === "succeeded") assert.equal(result.response?.text, `echo: ${String(request.messages![0]!.content)}`);
    else assert.equal(result.error?.httpStatus, expected.httpStatus, request.customId);
  }
}

export async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of iterable) items.push(item);
  return items;
}

/**
 * `fetch` with the usage taken out of every results file it downloads: each successful answer then
 * counts its request's worst case in a budget's spend, so suites can reason about the budget exactly.
 */
export function withoutUsage(fetch: (request: Request) => Promise<Response>): (request: Request) => Promise<Response> {
  return async (request) => {
    const response = await fetch(request);
    if (!/\/files\/[^/]+\/content$/.test(new URL(request.url).pathname) || !response.ok) return response;
    const lines = (await response.text()).split("\n").filter((line) => line !== "");
    const bare = lines.map((line) => {
      const value = JSON.parse(line) as { response?: { body?: { usage?: unknown } } };
      delete value.response?.body?.usage;
      return JSON.stringify(value);
    });
    return new Response(bare.join("\n") + "\n", { status: 200, headers: response.headers });
  };
}
