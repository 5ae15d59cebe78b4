/**
 * A result's `raw` (`npm/src/lazy-raw.ts`): an enumerable getter until it is read or assigned, then
 * a plain data property; the unread bytes are invisible to every key listing; the shared getter and
 * setter behave on any object they are called on.
 */
import assert from "node:assert/strict";
import { test } from "node:test";

import { OpenAIProvider, type UnifiedResult } from "batch-router";

import { collect } from "../support/batches.js";

const KEY = "fake-lazy-raw-openai-key-0123456789abcdef";

function body(index: number): Record<string, unknown> {
  return {
    id: `chatcmpl-${index}`,
    object: "chat.completion",
    model: "gpt-4o-mini",
    choices: [{ index: 0, message: { role: "assistant", content: `answer ${index}` }, finish_reason: "stop" }],
    usage: { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 },
  };
}

async function results(count: number): Promise<UnifiedResult[]> {
  const lines = Array.from({ length: count }, (_, index) => JSON.stringify({ id: `batch_req_${index}`, custom_id: `r${index}`, response: { status_code: 200, request_id: `req_${index}`, body: body(index) }, error: null }));
  const batch = { id: "batch_lazy", object: "batch", endpoint: "/v1/chat/completions", input_file_id: "file-in", completion_window: "24h", status: "completed", output_file_id: "file-out", error_file_id: null, created_at: 1711471533, request_counts: { total: count, completed: count, failed: 0 } };
  const provider = new OpenAIProvider({
    apiKey: KEY,
    storage: false,
    fetch: async (request: Request) => (new URL(request.url).pathname.endsWith("/content") ? new Response(lines.join("\n") + "\n") : Response.json(batch)),
  });
  return collect(provider.getResults("batch_lazy"));
}

test("raw is a getter until read, then a data property holding the same parsed value", async () => {
  const [result] = await results(1);
  const response = result!.response!;
  const before = Object.getOwnPropertyDescriptor(response, "raw")!;
  assert.equal(typeof before.get, "function");
  assert.equal(typeof before.set, "function");
  assert.equal(before.enumerable, true);
  assert.equal(before.configurable, true);
  // The unread bytes are no key of any kind.
  assert.deepEqual(Reflect.ownKeys(response), Object.keys(response));
  assert.equal(Object.keys(response).at(-1), "raw");

  const raw = response.raw;
  assert.deepEqual(raw, body(0));
  assert.equal(response.raw, raw, "read once: the same object afterwards");
  const after = Object.getOwnPropertyDescriptor(response, "raw")!;
  assert.deepEqual(after, { value: raw, writable: true, enumerable: true, configurable: true });
  assert.deepEqual(Reflect.ownKeys(response), Object.keys(response));
});

test("assigning raw before reading it replaces the body", async () => {
  const [first, second] = await results(2);
  first!.response!.raw = "replaced";
  assert.deepEqual(Object.getOwnPropertyDescriptor(first!.response!, "raw"), { value: "replaced", writable: true, enumerable: true, configurable: true });
  // The other result's body is its own.
  assert.deepEqual(second!.response!.raw, body(1));
});

test("the shared getter and setter work on an object that holds no body", async () => {
  const [result] = await results(1);
  const { get, set } = Object.getOwnPropertyDescriptor(result!.response!, "raw")!;
  const stranger: Record<string, unknown> = { a: 1 };
  assert.equal(get!.call(stranger), undefined);
  assert.deepEqual(Object.getOwnPropertyDescriptor(stranger, "raw"), { value: undefined, writable: true, enumerable: true, configurable: true });
  const other: Record<string, unknown> = {};
  set!.call(other, 5);
  assert.equal(other.raw, 5);
  // The result itself is untouched.
  assert.deepEqual(result!.response!.raw, body(0));
});
