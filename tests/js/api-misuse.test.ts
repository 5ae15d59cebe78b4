/**
 * What a JavaScript caller can hand the API by mistake is a `ValidationError` at the field, not an
 * `internal` error, a bare `TypeError` or a silent change (new-user trial, items 7 and 17): `NaN`
 * and `±Infinity` in a request (JSON.stringify made them `null`, and the setting was dropped), a
 * `BigInt` or a cycle, an object where JSONL text belongs, a batch without a provider or without
 * its requests, a batch naming another provider; and a token counter of the caller's that throws
 * is said to be the caller's.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { BatchRouter, ConfigurationError, GoogleProvider, MemoryStorage, OpenAIProvider, ValidationError, dryRun, estimateBatch, estimateRequests, unifiedFromOpenAIBatch } from "batch-router";

const base = { customId: "a", model: "gpt-4o-mini", messages: [{ role: "user" as const, content: "hi" }] };

async function refused(call: () => unknown, field: string | undefined, message: RegExp): Promise<ValidationError> {
  let thrown: unknown;
  try {
    await call();
  } catch (error) {
    thrown = error;
  }
  assert.ok(thrown instanceof ValidationError, `a ValidationError expected, got ${thrown instanceof Error ? `${thrown.constructor.name}: ${thrown.message}` : String(thrown)}`);
  assert.equal(thrown.field, field, thrown.message);
  assert.match(thrown.message, message);
  return thrown;
}

describe("NaN and Infinity in a request are refused at the field, naming the request", () => {
  const openai = new OpenAIProvider({ apiKey: "k", storage: false, dropUnsupported: true });
  const cases: [string, Record<string, unknown>, string, RegExp][] = [
    ["temperature NaN", { generationConfig: { temperature: NaN } }, "generationConfig.temperature", /must be a finite number, not NaN/],
    ["maxTokens Infinity", { generationConfig: { maxTokens: Infinity } }, "generationConfig.maxTokens", /not Infinity/],
    ["topP -Infinity", { generationConfig: { topP: -Infinity } }, "generationConfig.topP", /not -Infinity/],
    ["budgetTokens", { reasoning: { budgetTokens: NaN } }, "reasoning.budgetTokens", /not NaN/],
    ["providerKwargs, deep", { providerKwargs: { logit_bias: { "50256": NaN } } }, "providerKwargs.logit_bias.50256", /not NaN/],
    ["providerKwargs, in an array", { providerKwargs: { stop_weights: [1, Infinity] } }, "providerKwargs.stop_weights[1]", /not Infinity/],
    // Anywhere else too (a new-user trial: a tool schema's NaN was sent as null).
    ["a tool schema", { tools: [{ name: "f", parameters: { type: "object", properties: { n: { type: "number", maximum: Infinity } } } }] }, "tools[0].parameters.properties.n.maximum", /not Infinity/],
    ["a response schema", { responseFormat: { type: "json", schema: { type: "number", minimum: -Infinity } } }, "responseFormat.schema.minimum", /not -Infinity/],
    ["a tool call's arguments", { messages: [{ role: "user", content: "hi" }, { role: "assistant", content: [{ type: "tool_call", id: "c1", name: "f", arguments: { x: NaN } }] }, { role: "tool", content: [{ type: "tool_result", toolCallId: "c1", content: "1" }] }] }, "messages[1].content[0].arguments.x", /not NaN/],
    ["providerKwargs metadata, deep", { providerKwargs: { metadata: { nested: { deeper: [[NaN]] } } } }, "providerKwargs.metadata.nested.deeper[0][0]", /not NaN/],
  ];
  for (const [name, extra, field, message] of cases) {
    test(name, async () => {
      const request = { ...base, customId: "second", ...extra };
      const error = await refused(() => openai.prepareBatch([base, request]), field, message);
      assert.equal(error.index, 1);
      assert.equal(error.customId, "second");
      assert.match(error.message, new RegExp(`^request 1 \\(customId "second"\\): ${field.replace(/[.[\]]/g, "\\$&")}: `));
    });
  }

  test("the embeddings' dimensions", async () => {
    const request = { customId: "e", model: "text-embedding-3-small", input: "hi", dimensions: NaN };
    await refused(() => openai.prepareBatch({ endpoint: "embeddings", requests: [request] } as never), "dimensions", /not NaN/);
  });

  test("every entry point that takes request objects: sendBatch, estimateBatch, estimateRequests, a router's estimate and runJob", async () => {
    const request = { ...base, generationConfig: { temperature: NaN } };
    const field = "generationConfig.temperature";
    const noFetch = async (): Promise<Response> => assert.fail("nothing may be sent");
    await refused(() => new OpenAIProvider({ apiKey: "k", storage: false, fetch: noFetch }).sendBatch({ provider: "openai", requests: [request] }), field, /NaN/);
    await refused(() => new OpenAIProvider({ apiKey: "k", storage: new MemoryStorage(), fetch: noFetch }).sendBatch({ provider: "openai", requests: [request] }), field, /NaN/);
    await refused(() => estimateBatch({ provider: "openai", requests: [request] }), field, /NaN/);
    await refused(() => estimateRequests("openai", [request]), field, /NaN/);
    const router = new BatchRouter({ providers: { openai: { apiKey: "k", fetch: noFetch } }, storage: new MemoryStorage() });
    await refused(() => router.estimate({ provider: "openai", requests: [request] }), field, /NaN/);
    await refused(() => router.runJob({ provider: "openai", requests: [request] }), field, /NaN/);
  });

  test("one JSON text of the whole array (sendBatch without files) names the request too", async () => {
    const request = { ...base, customId: "third", tools: [{ name: "f", parameters: { type: "object", properties: {}, x: [NaN] } }] };
    const noFetch = async (): Promise<Response> => assert.fail("nothing may be sent");
    const error = await refused(() => new OpenAIProvider({ apiKey: "k", storage: false, fetch: noFetch }).sendBatch({ provider: "openai", requests: [base, { ...base, customId: "b" }, request] }), "tools[0].parameters.x[0]", /not NaN/);
    assert.equal(error.index, 2);
    assert.equal(error.customId, "third");
  });

  test("a null that was written as null is not refused", () => {
    const prepared = openai.prepareBatch([{ ...base, providerKwargs: { logit_bias: null, stop: null } }]);
    assert.match(prepared.providerJsonl, /"logit_bias":null/);
  });

  test("finite numbers and numbers as strings in providerKwargs pass as before", () => {
    const prepared = openai.prepareBatch([{ ...base, generationConfig: { temperature: 0.5, maxTokens: 10 }, providerKwargs: { logit_bias: { "50256": -100 } } }]);
    assert.match(prepared.providerJsonl, /"temperature":0.5/);
  });
});

describe("BigInt and cycles are refused at the field, not a bare TypeError", () => {
  const openai = new OpenAIProvider({ apiKey: "k", storage: false });
  test("a BigInt in generationConfig, in providerKwargs, elsewhere", async () => {
    await refused(() => openai.prepareBatch([{ ...base, generationConfig: { maxTokens: 10n as never } }]), "generationConfig.maxTokens", /must be a number, not the BigInt 10n/);
    await refused(() => openai.prepareBatch([{ ...base, providerKwargs: { x: [1n] } }]), "providerKwargs.x[0]", /BigInt/);
    await refused(() => openai.prepareBatch([{ ...base, messages: [{ role: "user", content: [{ type: "text", text: 5n as never }] }] }]), "messages[0].content[0].text", /BigInt/);
    await refused(() => estimateBatch({ provider: "openai", requests: [{ ...base, generationConfig: { seed: 1n as never } }] }), "generationConfig.seed", /BigInt/);
  });

  test("a cycle", async () => {
    const request: Record<string, unknown> = { ...base, providerKwargs: {} };
    (request.providerKwargs as Record<string, unknown>).self = request;
    await refused(() => openai.prepareBatch([request as never]), "providerKwargs.self", /a cycle/);
  });
});

describe("misuse of the entry points", () => {
  const openai = new OpenAIProvider({ apiKey: "k", storage: false });

  test("an object where JSONL text belongs", async () => {
    await refused(() => dryRun("openai", base as never, { name: "t" }), "unifiedJsonl", /^unifiedJsonl: must be JSONL text \(a string, one request per line\), not an object/);
    await refused(() => dryRun("openai", undefined as never, { name: "t" }), "unifiedJsonl", /not undefined/);
    await refused(() => unifiedFromOpenAIBatch([] as never), "openaiJsonl", /not an array/);
  });

  test("a batch without a provider, or without its requests", async () => {
    await refused(() => estimateBatch({ requests: [base] } as never), "batch.provider", /^batch\.provider: is required/);
    await refused(() => estimateBatch({ provider: "openai" } as never), "requests", /must be an array of unified requests, not undefined/);
    await refused(() => estimateRequests(undefined as never, [base]), "provider", /must be a provider's name/);
    await refused(() => openai.prepareBatch({ provider: "openai" } as never), "requests", /must be an array/);
    await refused(() => openai.sendBatch([base] as never), "batch", /batch: must be an object, not an array/);
    const router = new BatchRouter({ providers: { openai: { apiKey: "k" } }, storage: new MemoryStorage() });
    await refused(() => router.estimate(undefined as never), "batch", /^batch: is required/);
    await refused(() => router.estimate({ requests: [base] } as never), "batch.provider", /^batch\.provider: is required/);
    await refused(() => router.runJob([base] as never), "batch", /^batch: must be an object, not an array/);
    await refused(() => router.submitJob({ requests: [base] } as never), "batch.provider", /^batch\.provider: is required/);
  });

  test("a batch naming another provider: prepareBatch as sendBatch", async () => {
    await refused(() => openai.prepareBatch({ provider: "anthropic", requests: [base] }), "batch.provider", /this batch is for "anthropic", not openai/);
    await refused(() => openai.sendBatch({ provider: "anthropic", requests: [base] }), "batch.provider", /this batch is for "anthropic", not openai/);
    // An alias of the provider's own name is its own.
    const google = new GoogleProvider({ apiKey: "k", storage: false });
    google.prepareBatch({ provider: "gemini" as never, requests: [{ ...base, model: "gemini-2.5-flash" }] });
  });

  test("a token counter that throws: the error says it was the caller's counter, with its error as the cause", () => {
    const boom = new Error("boom");
    assert.throws(
      () =>
        estimateBatch(
          { provider: "openai", requests: [base] },
          {
            countTokens: () => {
              throw boom;
            },
          },
        ),
      (error: unknown) => error instanceof ConfigurationError && /^countTokens: your token counter threw for a text of request 0: boom/.test(error.message) && error.cause === boom,
    );
  });
});
