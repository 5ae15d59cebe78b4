/**
 * The result tape (`crates/wasm/src/result_tape.rs` → `npm/src/result-tape.ts`) builds the same
 * objects `JSON.parse` of the core's JSON gives, on the values that are easy to get wrong when
 * objects are built by hand: strings whose UTF-16 offsets differ from their byte offsets (2-, 3-
 * and 4-byte characters, a leading byte-order mark), a parsed answer with a `__proto__` key,
 * integer-like keys, large and negative numbers, nested arrays, tool-call arguments, several
 * choices, a repeated long text that is not the answer's text, and an error line's `raw`.
 */
import assert from "node:assert/strict";
import { test } from "node:test";

import { MemoryStorage, OpenAIProvider, type UnifiedResult } from "batch-router";

import { collect } from "../support/batches.js";

const KEY = "fake-tape-openai-key-0123456789abcdef";

function line(customId: string, body: Record<string, unknown>): string {
  return JSON.stringify({ id: `batch_req_${customId}`, custom_id: customId, response: { status_code: 200, request_id: `req_${customId}`, body }, error: null });
}

function chat(content: unknown, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: "chatcmpl-1",
    object: "chat.completion",
    model: "gpt-4o-mini",
    choices: [{ index: 0, message: { role: "assistant", content }, finish_reason: "stop" }],
    usage: { prompt_tokens: 9_007_199_254_740_993, completion_tokens: 2, total_tokens: 9_007_199_254_740_995 },
    ...extra,
  };
}

// Written by hand: a `__proto__` key and digits past a double's precision, as a model may write them.
const answer = '{"__proto__":{"polluted":true},"10":"ten","2":"two","big":12345678901234567890,"small":-1.5e-300,"list":[true,false,null,[],{}],"é✓😀":"ü"}';
const long = "a long text that repeats, to check a repeated string is written once: é ✓ 😀";
const lines = [
  line("\uFEFFbom-first ✓", chat("\uFEFFstarts with a byte-order mark, then 😀 and ✓ and é")),
  line("json-answer", chat(answer)),
  line(
    "tool-call",
    chat(null, {
      choices: [{ index: 0, message: { role: "assistant", content: null, tool_calls: [{ id: "call_1", type: "function", function: { name: "get_weather", arguments: '{"city":"Zürich","days":[1,2]}' } }] }, finish_reason: "tool_calls" }],
    }),
  ),
  line(
    "two-choices",
    chat(long, {
      choices: [
        { index: 0, message: { role: "assistant", content: long }, finish_reason: "stop" },
        { index: 1, message: { role: "assistant", content: long, refusal: long }, finish_reason: "length" },
      ],
    }),
  ),
  JSON.stringify({ id: "batch_req_e", custom_id: "errored 😀", response: null, error: { code: "batch_expired", message: "not run: ✓" } }),
].join("\n");

/** A provider that reads `file` as the output of a completed batch, without the requests known (so a JSON-looking answer is parsed). */
function providerServing(file: string, storage: MemoryStorage): OpenAIProvider {
  const batch = { id: "batch_tape", object: "batch", endpoint: "/v1/chat/completions", input_file_id: "file-in", completion_window: "24h", status: "completed", output_file_id: "file-out", error_file_id: null, created_at: 1711471533, request_counts: { total: 5, completed: 5, failed: 0 } };
  const bytes = new TextEncoder().encode(file);
  return new OpenAIProvider({
    apiKey: KEY,
    storage,
    fetch: async (request: Request) => {
      if (!new URL(request.url).pathname.endsWith("/content")) return Response.json(batch);
      // Small pieces, so lines and characters are cut between chunks.
      let offset = 0;
      const body = new ReadableStream<Uint8Array>({
        pull(controller) {
          if (offset >= bytes.length) return controller.close();
          controller.enqueue(bytes.slice(offset, offset + 97));
          offset += 97;
        },
      });
      return new Response(body, { status: 200 });
    },
  });
}

test("results built from the tape equal the core's JSON of them", async () => {
  const storage = new MemoryStorage();
  const provider = providerServing(lines + "\n", storage);
  const batchId = "batch_tape";
  const results: UnifiedResult[] = await collect(provider.getResults(batchId));
  const path = `generated/openai/batch_${batchId.replace(/[^A-Za-z0-9_.-]/g, "_")}_results.jsonl`;
  const text = await storage.read(path);
  assert.ok(text !== undefined);
  const eager = text.split("\n").filter((row) => row !== "").map((row) => JSON.parse(row) as UnifiedResult);

  assert.equal(results.length, 5);
  for (let index = 0; index < results.length; index++) {
    assert.equal(JSON.stringify(results[index]), JSON.stringify(eager[index]), `result ${index} as JSON`);
    assert.deepEqual(results[index], eager[index], `result ${index}`);
  }
  assert.equal(results[0]!.customId, "\uFEFFbom-first ✓");
  assert.equal(results[0]!.response!.text, "\uFEFFstarts with a byte-order mark, then 😀 and ✓ and é");
  const parsed = results[1]!.response!.parsed as Record<string, unknown>;
  assert.ok(Object.hasOwn(parsed, "__proto__"), "__proto__ is an own key, as JSON.parse makes it");
  assert.equal(Object.getPrototypeOf(parsed), Object.prototype);
  assert.deepEqual(Object.keys(parsed), ["2", "10", "__proto__", "big", "small", "list", "é✓😀"]);
  assert.equal(parsed.big, 12345678901234567890);
  assert.equal(results[1]!.response!.usage!.inputTokens, 9_007_199_254_740_993);
  const call = results[2]!.response!.content[0]!;
  assert.deepEqual(call.type === "tool_call" ? call.arguments : undefined, { city: "Zürich", days: [1, 2] });
  assert.equal(results[3]!.response!.candidates!.length, 2);
  // An error's `raw` is its whole line.
  assert.deepEqual(results[4]!.error!.raw, JSON.parse(lines.split("\n")[4]!));
});

// Objects whose keys change from one to the next (the same names in another order, names missing
// or added, `__proto__` with a string, a number, an object and an array for value, objects nested
// in arrays in objects), as parsed answers: each value kind goes through its own branch when an
// object is built.
const shifting = [
  '{"a":"one","b":2,"c":{"d":[{"e":"x","__proto__":"string"},{"__proto__":7}]}}',
  '{"b":2,"a":"one","extra":null,"c":{"d":[]}}',
  '{"a":"one"}',
  '{"__proto__":[1,"two",{"__proto__":{"x":1}}],"raw":"not a body","z":true}',
  '{"c":{"c":{"c":{"c":"deep"}}},"a":-0.5,"b":false}',
];

test("objects whose keys differ from one result to the next are built with their own keys, in order", async () => {
  const storage = new MemoryStorage();
  const file = shifting.map((answer, index) => line(`shifting-${index}`, chat(answer, index % 2 === 0 ? {} : { system_fingerprint: "fp_1" }))).join("\n") + "\n";
  const provider = providerServing(file, storage);
  const results: UnifiedResult[] = await collect(provider.getResults("batch_tape"));
  assert.equal(results.length, shifting.length);
  for (let index = 0; index < shifting.length; index++) {
    const parsed = results[index]!.response!.parsed;
    assert.deepEqual(parsed, JSON.parse(shifting[index]!), `answer ${index}`);
    assert.equal(JSON.stringify(parsed), JSON.stringify(JSON.parse(shifting[index]!)), `answer ${index}: keys in order`);
  }
  const inner = (results[0]!.response!.parsed as { c: { d: Array<Record<string, unknown>> } }).c.d;
  assert.ok(Object.hasOwn(inner[0]!, "__proto__") && Object.hasOwn(inner[1]!, "__proto__"), "__proto__ with a string or a number is an own key");
  assert.equal(Object.getPrototypeOf(inner[0]), Object.prototype);
  assert.equal(inner[1]!["__proto__"], 7);
  const top = results[3]!.response!.parsed as Record<string, unknown>;
  assert.deepEqual(Object.keys(top), ["__proto__", "raw", "z"]);
  assert.ok(Array.isArray(top["__proto__"]));
  assert.equal(top.raw, "not a body", "a parsed answer's own raw key is a plain string, not a lazy body");
  // The results themselves: with and without the optional field, same keys as the core's JSON.
  assert.deepEqual(Object.keys(results[0]!.response!), Object.keys(JSON.parse(JSON.stringify(results[0]!.response))));
  assert.ok(Object.hasOwn(results[1]!.response!.raw as object, "system_fingerprint"));
  assert.ok(!Object.hasOwn(results[0]!.response!.raw as object, "system_fingerprint"));
});

test("long strings of one length that differ in a single byte are each kept as they are", async () => {
  // A long string equal to the one before it is written once; these differ from it in their first
  // byte, a middle word, or the bytes after the last whole word, and one is equal.
  const base = "abcdefghijklmnopqrstu";
  const answer = {
    first: base,
    firstByte: "Xbcdefghijklmnopqrstu",
    middleWord: "Xbcdefghijk!mnopqrstu",
    tail: "Xbcdefghijk!mnopqrst!",
    same: "Xbcdefghijk!mnopqrst!",
    multibyte: "Xbcdefghijk!mnopqrsé",
    multibyteOther: "Xbcdefghijk!mnopqrsè",
  };
  const storage = new MemoryStorage();
  const provider = providerServing(line("lengths", chat(JSON.stringify(answer))) + "\n", storage);
  const [result] = await collect(provider.getResults("batch_tape"));
  assert.deepEqual(result!.response!.parsed, answer);
});
