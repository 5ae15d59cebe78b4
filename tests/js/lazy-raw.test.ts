/**
 * A result's `raw` (`npm/src/lazy-raw.ts`): an enumerable getter until it is read or assigned, then
 * a plain data property; the unread bytes are in no enumerable key; the shared getter and setter
 * behave on any object they are called on, on copies taken with descriptors, on objects inheriting
 * from a result, and on results frozen or sealed before `raw` is read.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { inspect } from "node:util";

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
  // The unread bytes are in no enumerable key: one non-enumerable symbol.
  const symbols = Object.getOwnPropertySymbols(response);
  assert.equal(symbols.length, 1);
  assert.equal(Object.getOwnPropertyDescriptor(response, symbols[0]!)!.enumerable, false);
  assert.equal(Object.keys(response).at(-1), "raw");
  assert.deepEqual({ ...response }.raw, body(0), "spreading reads the body");

  const raw = response.raw;
  assert.deepEqual(raw, body(0));
  assert.equal(response.raw, raw, "read once: the same object afterwards");
  const after = Object.getOwnPropertyDescriptor(response, "raw")!;
  assert.deepEqual(after, { value: raw, writable: true, enumerable: true, configurable: true });
  assert.equal(Object.getOwnPropertyDescriptor(response, symbols[0]!)!.value, undefined, "the bytes are let go once read");
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

test("a result frozen before raw is read gives its body, the same value on every read", async () => {
  const [result] = await results(1);
  const response = Object.freeze(result!.response!);
  const raw = response.raw;
  assert.deepEqual(raw, body(0));
  assert.equal(response.raw, raw, "one parsed value");
  assert.deepEqual(JSON.parse(JSON.stringify(response)).raw, body(0));
  assert.deepEqual(structuredClone(response).raw, body(0));
  assert.deepEqual({ ...response }.raw, body(0));
  // As assigning to a frozen data property does in strict code.
  assert.throws(() => {
    (response as { raw: unknown }).raw = 1;
  }, TypeError);
  assert.equal(response.raw, raw);
});

test("a result sealed before raw is read gives its body and takes an assignment", async () => {
  const [first, second] = await results(2);
  const sealed = Object.seal(first!.response!);
  const raw = sealed.raw;
  assert.deepEqual(raw, body(0));
  assert.equal(sealed.raw, raw);
  sealed.raw = "replaced";
  assert.equal(sealed.raw, "replaced");
  const other = Object.seal(second!.response!);
  other.raw = 7;
  assert.equal(other.raw, 7, "assigned before it was ever read");
});

test("copies taken with their descriptors, and objects inheriting from a result, read the body", async () => {
  const [first, second] = await results(2);
  const original = first!.response!;
  const copy = Object.defineProperties({}, Object.getOwnPropertyDescriptors(original)) as typeof original;
  assert.deepEqual(copy.raw, body(0));
  assert.deepEqual(original.raw, body(0), "the original still has its body");

  const parent = second!.response!;
  const child = Object.create(parent) as typeof parent;
  assert.deepEqual(child.raw, body(1));
  assert.deepEqual(Object.getOwnPropertySymbols(child), [], "the child gains no key but raw");
  assert.deepEqual(parent.raw, body(1));
});

test("a response with its lazy raw is a plain object, as its literal would be", async () => {
  const [result] = await results(1);
  const response = result!.response!;
  assert.equal(Object.getPrototypeOf(response), Object.prototype);
  assert.equal(response.constructor, Object);
  assert.ok(inspect(response).startsWith("{"), inspect(response));
  assert.deepEqual(Object.keys(response), ["text", "content", "finishReason", "rawFinishReason", "usage", "model", "id", "raw"]);
});
