/**
 * Options of the wrong shape passed from JavaScript are `ValidationError`s at the option's key, in
 * JSON's words. Found by a new-user trial: they were plain errors reading "Failed to deserialize
 * JsValue into type `batch_router_core::providers::PrepareOptions`: Error: …", and the integer 5
 * was "floating point `5.0`".
 */
import assert from "node:assert/strict";
import { test } from "node:test";

import { OpenAIProvider, ValidationError, dryRun, estimateBatch, estimateRequests } from "batch-router";

import { textRequest } from "../support/requests.js";

async function refusal(call: () => unknown): Promise<{ field: string | undefined; message: string }> {
  try {
    await call();
  } catch (error) {
    assert.ok(error instanceof ValidationError, `a ValidationError expected, got ${String(error)}`);
    assert.doesNotMatch(error.message, /batch_router|JsValue|floating point|u64|f64|struct|unit value/, error.message);
    return { field: error.field, message: error.message };
  }
  assert.fail("refused expected");
}

test("options of the wrong shape are refused at their key, in JSON's words", async () => {
  const line = JSON.stringify(textRequest("a", "hi"));
  const request = textRequest("a", "hi");
  const cases: [string, () => unknown, string, string][] = [
    ["route", () => dryRun("openai", line, { name: "t", route: "x" as never }), "options.route", "unknown value, expected `inline` or `file`"],
    ["model", () => dryRun("openai", line, { name: "t", model: 5 as never }), "options.model", "invalid type: number 5, expected a string"],
    ["dropUnsupported", () => dryRun("openai", line, { name: "t", dropUnsupported: "yes" as never }), "options.dropUnsupported", "invalid type: string, expected a boolean"],
    [
      "provider option",
      () => new OpenAIProvider({ apiKey: "k", dropUnsupported: "yes" as never }).prepareBatch([request]),
      "options.dropUnsupported",
      "invalid type: string, expected a boolean",
    ],
    [
      "estimate",
      () => estimateBatch({ provider: "openai", requests: [request] }, { defaultMaxOutputTokens: "x" as never }),
      "options.defaultMaxOutputTokens",
      "must be a whole number ≥ 0, not a string",
    ],
    [
      "negative",
      () => estimateRequests("openai", [request], { mediaTokens: -1 }),
      "options.mediaTokens",
      "must be a whole number ≥ 0, not the number -1",
    ],
    ["prices", () => estimateBatch({ provider: "openai", requests: [request] }, { prices: "x" as never }), "options.prices", "must be an object, not a string"],
    ["prices array", () => estimateBatch({ provider: "openai", requests: [request] }, { prices: [1] as never }), "options.prices", "must be an object, not an array"],
    ["metadata array", () => dryRun("openai", line, { name: "t", metadata: [1] as never }), "options.metadata", "invalid type: array, expected an object"],
    [
      "a model's prices",
      () => estimateBatch({ provider: "openai", requests: [request] }, { prices: { "gpt-4o-mini": 5 as never } }),
      "options.prices.gpt-4o-mini",
      "must be an object with the model's input and output prices, not the number 5",
    ],
    [
      "a price",
      () => estimateBatch({ provider: "openai", requests: [request] }, { prices: { "gpt-4o-mini": { input: "x" as never, output: 1 } } }),
      "options.prices.gpt-4o-mini.input",
      "must be a number ≥ 0 (US dollars per million tokens), not a string",
    ],
  ];
  for (const [name, call, field, message] of cases) {
    assert.deepEqual(await refusal(call), { field, message: `${field}: ${message}` }, name);
  }
});

test("a string in the wrong option is never quoted: it may be a key", async () => {
  const key = "test-secret-value-DoNotLeakThis0123";
  const line = JSON.stringify({ customId: "a", model: "gpt-4o-mini", messages: [{ role: "user", content: "hi" }] });
  for (const call of [
    () => dryRun("openai", line, { name: "t", dropUnsupported: key as never }),
    () => dryRun("openai", line, { name: "t", route: key as never }),
    () => new OpenAIProvider({ apiKey: "k", storage: key as never }),
    () => new OpenAIProvider({ apiKey: "k", fetch: key as never }),
  ]) {
    const { message } = await refusal(call);
    assert.ok(!message.includes(key) && !message.includes("DoNotLeak"), message);
  }
});
