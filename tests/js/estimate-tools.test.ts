/**
 * Tool-heavy requests under the money checks: the estimate counts what the body carries besides
 * the messages (tools, the tool choice, the structured-output schema, `providerKwargs`), a caller's
 * `countTokens` is given those texts, and a budget (`maxCostUsd`, CLI `--max-cost`) and a quota
 * (`maxEnqueuedTokens`) see them. A new-user trial found a 7.4 KB tool schema estimated at 7 input
 * tokens, as if absent, and a job spending 27 times its budget.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";

import { BatchRouter, MemoryStorage, ValidationError, estimateBatch, estimateRequests, type PriceTable, type UnifiedRequest } from "batch-router";

import { OpenAIEmulator } from "../emulators/openai-emulator.js";
import { API_KEY, fastRouterOptions } from "../support/jobs.js";
import { textRequest } from "../support/requests.js";
import { serve, type RunningServer } from "../support/serve.js";

/** An object schema of `count` described string fields (about 80 bytes each). */
function schema(count: number): Record<string, unknown> {
  const properties = Object.fromEntries(Array.from({ length: count }, (_, index) => [`field_${index}`, { type: "string", description: `The value of field number ${index} of the record, as the customer wrote it` }]));
  return { type: "object", properties, required: ["field_0"], additionalProperties: false };
}

const SCHEMA = schema(40);
const SCHEMA_BYTES = JSON.stringify(SCHEMA).length;

function toolRequest(customId: string, maxTokens = 40): UnifiedRequest {
  return { ...textRequest(customId, `question ${customId}`, "gpt-4o-mini"), tools: [{ name: "lookup", description: "Find the customer's record", parameters: SCHEMA }], generationConfig: { maxTokens } };
}

const creates = (emulator: OpenAIEmulator) => emulator.received.filter((request) => request.method === "POST" && /\/batches$/.test(request.path)).length;

describe("the estimate counts what is sent besides the messages", () => {
  test("tools, responseFormat and providerKwargs text: at least a token per 6 bytes of what they add", () => {
    const plain = textRequest("a", "Hello", "gpt-4o-mini");
    const [base] = estimateRequests("openai", [plain]);
    const withTools = estimateRequests("openai", [toolRequest("t")])[0]!.inputTokens - estimateRequests("openai", [{ ...toolRequest("t"), tools: undefined }])[0]!.inputTokens;
    assert.ok(withTools * 6 >= SCHEMA_BYTES, `${withTools} tokens for a ${SCHEMA_BYTES}-byte schema`);
    const withFormat = estimateRequests("openai", [{ ...plain, responseFormat: { type: "json", name: "record", schema: SCHEMA } }])[0]!.inputTokens - base!.inputTokens;
    assert.ok(withFormat * 6 >= SCHEMA_BYTES, `${withFormat} tokens for a ${SCHEMA_BYTES}-byte schema`);
    const instructions = "Answer in French. ".repeat(40);
    const withKwargs = estimateRequests("openai", [{ ...plain, providerKwargs: { prediction: { type: "content", content: instructions } } }])[0]!.inputTokens - base!.inputTokens;
    assert.ok(withKwargs * 6 >= instructions.length, `${withKwargs} tokens for ${instructions.length} bytes of kwargs text`);
  });

  test("countTokens is given the tools, the tool choice, the schema and the providerKwargs", () => {
    const request: UnifiedRequest = {
      ...textRequest("a", "Hello"),
      tools: [{ name: "lookup", description: "Find a record", parameters: schema(2) }],
      toolChoice: { name: "lookup" },
      responseFormat: { type: "json", name: "record", schema: schema(1) },
      providerKwargs: { prediction: { type: "content", content: "Bonjour" } },
    };
    const counted: string[] = [];
    const [estimate] = estimateRequests("openai", [request], { countTokens: (text) => (counted.push(text), 1) });
    assert.deepEqual(counted, ["Hello", "lookup", "Find a record", JSON.stringify(schema(2)), "lookup", "record", JSON.stringify(schema(1)), "prediction", JSON.stringify({ type: "content", content: "Bonjour" })]);
    assert.equal(estimate!.inputTokens, 3 + 3 + counted.length);
  });
});

describe("money checks with tool-heavy requests", () => {
  // $1 per token at batch rates, so costs read as token counts.
  const PRICES: PriceTable = { "gpt-4o-mini": { input: 2_000_000, output: 2_000_000 } };

  function setup(options: { quota?: number; perBatch?: number } = {}) {
    const emulator = new OpenAIEmulator({ apiKey: API_KEY, startClock: Math.floor(Date.now() / 1000) });
    const router = new BatchRouter({
      providers: { openai: { apiKey: API_KEY, baseUrl: "http://127.0.0.1:9/v1", fetch: emulator.fetch } },
      storage: new MemoryStorage(),
      ...fastRouterOptions(),
      plan: { maxRequestsPerBatch: options.perBatch ?? 2 },
      prices: PRICES,
      ...(options.quota === undefined ? {} : { quotas: { openai: { "*": { maxEnqueuedTokens: options.quota, maxConcurrentBatches: 1 } } } }),
    });
    return { emulator, router };
  }

  test("maxCostUsd: a job whose tools alone pass the budget is refused before anything is sent", async () => {
    const requests = Array.from({ length: 8 }, (_, index) => toolRequest(`b-${index}`));
    // Room for the whole job as it would be without its tools, half again.
    const withoutTools = estimateBatch({ provider: "openai", requests: requests.map((request) => ({ ...request, tools: undefined })) }, { prices: PRICES }).maxCostUsd!;
    const { emulator, router } = setup();
    await assert.rejects(router.runJob({ provider: "openai", requests }, { maxCostUsd: 1.5 * withoutTools }), (error: unknown) => error instanceof ValidationError && /maxCostUsd/.test(error.message));
    assert.equal(emulator.received.length, 0);
  });

  test("maxCostUsd: tool-heavy batches are held back, and what is billed for the tools stays within the budget", async () => {
    // An output bound above the input, so that the input of all eight fits the budget.
    const requests = Array.from({ length: 8 }, (_, index) => toolRequest(`b-${index}`, 3_000));
    const estimates = estimateRequests("openai", requests, { prices: PRICES });
    assert.ok(estimates[0]!.inputTokens * 6 >= SCHEMA_BYTES);
    const emulator = new OpenAIEmulator({ apiKey: API_KEY, startClock: Math.floor(Date.now() / 1000) });
    // The provider bills the tools as input, and every answer uses its whole output bound (the
    // emulator's usage counts the message text alone).
    const billed = { prompt_tokens: estimates[0]!.inputTokens, completion_tokens: 3_000, total_tokens: estimates[0]!.inputTokens + 3_000 };
    const fetch = async (request: Request) => {
      const response = await emulator.fetch(request);
      if (!/\/files\/[^/]+\/content$/.test(new URL(request.url).pathname) || !response.ok) return response;
      const lines = (await response.text()).split("\n").filter((line) => line !== "");
      const rebilled = lines.map((line) => {
        const value = JSON.parse(line) as { response: { body: { usage?: unknown } } };
        value.response.body.usage = billed;
        return JSON.stringify(value);
      });
      return new Response(rebilled.join("\n") + "\n", { status: 200, headers: response.headers });
    };
    const router = new BatchRouter({ providers: { openai: { apiKey: API_KEY, baseUrl: "http://127.0.0.1:9/v1", fetch } }, storage: new MemoryStorage(), ...fastRouterOptions(), plan: { maxRequestsPerBatch: 2 }, prices: PRICES });
    // Room for two batches of two, worst case with the tools.
    const maxCostUsd = 4 * estimates[0]!.maxCostUsd! + 1;
    const summary = await router.runJob({ provider: "openai", requests }, { maxCostUsd });
    assert.equal(creates(emulator), 2);
    assert.deepEqual(summary.heldBack, ["b-4", "b-5", "b-6", "b-7"]);
    assert.ok(summary.cost.costUsd <= maxCostUsd, `spent ${summary.cost.costUsd} of ${maxCostUsd}`);
  });

  test("maxEnqueuedTokens: tool-heavy requests are cut into waves by their tokens with the tools", async () => {
    const requests = Array.from({ length: 4 }, (_, index) => toolRequest(`w-${index}`));
    const [one] = estimateRequests("openai", requests);
    // Two requests fit the quota; without the tools all four did, in one batch.
    const { emulator, router } = setup({ quota: 2 * one!.inputTokens, perBatch: 4 });
    const withoutTools = estimateBatch({ provider: "openai", requests: requests.map((request) => ({ ...request, tools: undefined })) }).inputTokens;
    assert.ok(withoutTools < 2 * one!.inputTokens);
    const summary = await router.runJob({ provider: "openai", requests });
    assert.equal(summary.succeeded, 4);
    assert.equal(emulator.batches.size, 2);
  });

  describe("the CLI", () => {
    const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
    const cli = join(root, "npm", "dist", "cli.js");
    const directory = mkdtempSync(join(tmpdir(), "batch-router-estimate-tools-"));
    const requests = Array.from({ length: 3 }, (_, index) => toolRequest(`c-${index}`, 5));
    const requestsFile = join(directory, "tools.jsonl");
    writeFileSync(requestsFile, requests.map((request) => JSON.stringify(request)).join("\n") + "\n");
    const run = (args: string[]) =>
      new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
        execFile(process.env.NODE_BINARY ?? "node", [cli, ...args], { cwd: directory }, (error, stdout, stderr) => resolve({ code: error ? (typeof error.code === "number" ? error.code : 1) : 0, stdout, stderr }));
      });
    const KEY = "fake-cli-estimate-tools-0123456789";
    let emulator: OpenAIEmulator;
    let server: RunningServer;
    before(async () => {
      emulator = new OpenAIEmulator({ apiKey: KEY });
      server = await serve(emulator.fetch);
    });
    after(async () => {
      await server.close();
    });

    test("estimate counts the tools; submit --max-cost refuses a batch whose tools put it over", async () => {
      const estimated = await run(["estimate", requestsFile, "--provider", "openai"]);
      assert.equal(estimated.code, 0, estimated.stderr);
      const tokens = Number(/about (\d+) input tokens/.exec(estimated.stdout)![1]);
      assert.ok(tokens * 6 >= 3 * SCHEMA_BYTES, `${tokens} tokens for 3 schemas of ${SCHEMA_BYTES} bytes`);
      const withoutTools = estimateBatch({ provider: "openai", requests: requests.map((request) => ({ ...request, tools: undefined })) }).maxCostUsd!;
      const connection = ["--provider", "openai", "--base-url", `${server.url}/v1`, "--api-key", KEY];
      const result = await run(["submit", requestsFile, ...connection, "--max-cost", String(2 * withoutTools)]);
      assert.equal(result.code, 3, result.stderr);
      assert.match(result.stderr, /over --max-cost/);
      assert.equal(emulator.batches.size, 0);
    });
  });
});
