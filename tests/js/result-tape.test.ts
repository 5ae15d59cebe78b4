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
