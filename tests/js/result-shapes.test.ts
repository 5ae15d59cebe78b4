/**
 * Structs on the result tape come as a shape and values (`crates/wasm/src/result_tape.rs`); the
 * common shapes are built by object literals (`npm/src/result-shapes.ts`), the others field by
 * field, and unit variants (status, finish reason) are names sent once. Results whose structs
 * change shape from one to the next (optional fields present or not, in every provider's order,
 * errors with and without a status and a body) must equal the core's JSON of them: same keys, same
 * order, same values, whichever way each object was built, and `raw` lazy wherever it is a body.
 */
import assert from "node:assert/strict";
import { test } from "node:test";

import { AnthropicProvider, MemoryStorage, OpenAIProvider, type UnifiedResult } from "batch-router";

import { collect } from "../support/batches.js";

const KEY = "fake-shapes-key-0123456789abcdef";

/** The results of `file` served in small pieces, and the core's JSON of them (its transparency file). */
async function decode(provider: "openai" | "anthropic", file: string): Promise<{ results: UnifiedResult[]; eager: UnifiedResult[] }> {
  const storage = new MemoryStorage();
  const bytes = new TextEncoder().encode(file);
  const fetch = async (request: Request): Promise<Response> => {
    const path = new URL(request.url).pathname;
    if (path.endsWith("/content") || path.endsWith("/results")) {
      let offset = 0;
      const body = new ReadableStream<Uint8Array>({
        pull(controller) {
          if (offset >= bytes.length) return controller.close();
          controller.enqueue(bytes.slice(offset, offset + 211));
          offset += 211;
        },
      });
      return new Response(body, { status: 200 });
    }
    return Response.json(provider === "openai" ? OPENAI_BATCH : ANTHROPIC_BATCH);
  };
  const client = provider === "openai" ? new OpenAIProvider({ apiKey: KEY, storage, fetch }) : new AnthropicProvider({ apiKey: KEY, storage, fetch });
  const batchId = provider === "openai" ? OPENAI_BATCH.id : ANTHROPIC_BATCH.id;
  const results = await collect(client.getResults(batchId));
  const text = await storage.read(`generated/${provider}/batch_${batchId}_results.jsonl`);
  assert.ok(text !== undefined);
  return { results, eager: text.split("\n").filter((row) => row !== "").map((row) => JSON.parse(row) as UnifiedResult) };
}

const OPENAI_BATCH = { id: "batch_shapes", object: "batch", endpoint: "/v1/chat/completions", input_file_id: "file-in", completion_window: "24h", status: "completed", output_file_id: "file-out", error_file_id: null, created_at: 1711471533, request_counts: { total: 0, completed: 0, failed: 0 } };
const ANTHROPIC_BATCH = { id: "msgbatch_shapes", type: "message_batch", processing_status: "ended", request_counts: { processing: 0, succeeded: 0, errored: 0, canceled: 0, expired: 0 }, created_at: "2024-08-20T18:37:24.100435Z", ended_at: "2024-08-20T18:37:24.100435Z", expires_at: "2024-08-21T18:37:24.100435Z", cancel_initiated_at: null, archived_at: null, results_url: "https://api.anthropic.com/v1/messages/batches/msgbatch_shapes/results" };

function openaiLine(customId: string, body: Record<string, unknown> | null, statusCode = 200, error: unknown = null): string {
  return JSON.stringify({ id: `batch_req_${customId}`, custom_id: customId, response: body === null ? null : { status_code: statusCode, request_id: `req_${customId}`, body }, error });
}

function chat(extra: Record<string, unknown>, finishReason = "stop", content: unknown = "an answer"): Record<string, unknown> {
  return { id: "chatcmpl-1", object: "chat.completion", model: "gpt-4o-mini", choices: [{ index: 0, message: { role: "assistant", content }, finish_reason: finishReason }], ...extra };
}

// Each kind once, then again in another order, so that every shape follows every other.
const openaiKinds: Array<(index: number) => string> = [
  (index) => openaiLine(`plain-${index}`, chat({ usage: { prompt_tokens: 3, completion_tokens: 4, total_tokens: 7 } })),
  (index) => openaiLine(`cached-${index}`, chat({ usage: { prompt_tokens: 3, completion_tokens: 4, total_tokens: 7, prompt_tokens_details: { cached_tokens: 2 } } }, "length")),
  (index) => openaiLine(`reasoning-${index}`, chat({ usage: { prompt_tokens: 3, completion_tokens: 9, total_tokens: 12, prompt_tokens_details: { cached_tokens: 0 }, completion_tokens_details: { reasoning_tokens: 5 } } })),
  (index) => openaiLine(`no-usage-${index}`, chat({}, "content_filter")),
  (index) => openaiLine(`no-model-${index}`, { object: "chat.completion", choices: [{ index: 0, message: { role: "assistant", content: "bare" }, finish_reason: "stop" }] }),
  (index) => openaiLine(`json-${index}`, chat({ usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 } }, "stop", '{"answer":[1,2],"raw":"text"}')),
  (index) => openaiLine(`tool-${index}`, chat({}, "tool_calls", null)),
  (index) => openaiLine(`http-error-${index}`, { error: { message: "bad request", type: "invalid_request_error", code: "invalid_value" } }, 400),
  (index) => openaiLine(`line-error-${index}`, null, 200, { code: "batch_expired", message: "not run" }),
];

test("OpenAI results whose structs change shape equal the core's JSON of them", async () => {
  const order = [0, 1, 2, 3, 4, 5, 6, 7, 8, 8, 6, 4, 2, 0, 7, 5, 3, 1, 1, 3, 0, 8, 2, 7, 4, 6, 5];
  const file = order.map((kind, index) => openaiKinds[kind]!(index)).join("\n") + "\n";
  const { results, eager } = await decode("openai", file);
  assert.equal(results.length, order.length);
  for (let index = 0; index < results.length; index++) {
    const result = results[index]!;
    const holder = result.response ?? result.error;
    if (holder !== undefined && Object.hasOwn(holder, "raw")) {
      assert.equal(typeof Object.getOwnPropertyDescriptor(holder, "raw")!.get, "function", `result ${index}: raw is lazy`);
      assert.equal(Object.keys(holder).at(-1), "raw");
    }
    assert.equal(JSON.stringify(result), JSON.stringify(eager[index]), `result ${index} as JSON, keys in order`);
    assert.deepEqual(result, eager[index], `result ${index}`);
  }
  // Each kind as expected, so that the comparison above covers the shapes it is meant to.
  const byId = new Map(results.map((result) => [result.customId, result]));
  assert.deepEqual(Object.keys(byId.get("cached-1")!.response!.usage!), ["inputTokens", "outputTokens", "totalTokens", "cacheReadTokens"]);
  assert.deepEqual(Object.keys(byId.get("reasoning-2")!.response!.usage!), ["inputTokens", "outputTokens", "totalTokens", "cacheReadTokens", "reasoningTokens"]);
  assert.equal(byId.get("no-usage-3")!.response!.usage, undefined);
  assert.equal(byId.get("no-usage-3")!.response!.finishReason, "content_filter");
  assert.deepEqual(byId.get("json-5")!.response!.parsed, { answer: [1, 2], raw: "text" });
  assert.equal(byId.get("http-error-7")!.status, "errored");
  assert.equal(byId.get("http-error-7")!.error!.httpStatus, 400);
  // An error's `raw` is its whole line.
  assert.deepEqual(byId.get("http-error-7")!.error!.raw, JSON.parse(openaiKinds[7]!(7)));
  assert.equal(byId.get("line-error-8")!.status, "expired");
});

function anthropicLine(customId: string, result: Record<string, unknown>): string {
  return JSON.stringify({ custom_id: customId, result });
}

function message(usage: Record<string, unknown>, stopReason = "end_turn"): Record<string, unknown> {
  return { type: "succeeded", message: { id: "msg_1", type: "message", role: "assistant", model: "claude-3-5-haiku-20241022", content: [{ type: "text", text: "an answer" }], stop_reason: stopReason, stop_sequence: null, usage } };
}

const anthropicKinds: Array<(index: number) => string> = [
  (index) => anthropicLine(`plain-${index}`, message({ input_tokens: 3, output_tokens: 4 })),
  (index) => anthropicLine(`cache-${index}`, message({ input_tokens: 3, output_tokens: 4, cache_creation_input_tokens: 5, cache_read_input_tokens: 6 }, "max_tokens")),
  (index) => anthropicLine(`errored-${index}`, { type: "errored", error: { type: "error", error: { type: "invalid_request_error", message: "bad" } } }),
  (index) => anthropicLine(`canceled-${index}`, { type: "canceled" }),
  (index) => anthropicLine(`expired-${index}`, { type: "expired" }),
];

test("Anthropic results whose structs change shape equal the core's JSON of them", async () => {
  const order = [0, 1, 2, 3, 4, 4, 3, 2, 1, 0, 1, 3, 0, 4, 2];
  const file = order.map((kind, index) => anthropicKinds[kind]!(index)).join("\n") + "\n";
  const { results, eager } = await decode("anthropic", file);
  assert.equal(results.length, order.length);
  for (let index = 0; index < results.length; index++) {
    assert.equal(JSON.stringify(results[index]), JSON.stringify(eager[index]), `result ${index} as JSON, keys in order`);
    assert.deepEqual(results[index], eager[index], `result ${index}`);
  }
  const statuses = results.map((result) => result.status);
  assert.deepEqual([...new Set(statuses)].sort(), ["cancelled", "errored", "expired", "succeeded"]);
  assert.deepEqual(Object.keys(results[1]!.response!.usage!), ["inputTokens", "outputTokens", "totalTokens", "cacheReadTokens", "cacheWriteTokens"]);
  assert.equal(results[1]!.response!.finishReason, "length");
});
