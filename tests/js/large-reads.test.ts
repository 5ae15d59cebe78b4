/**
 * A download read of any size is decoded a piece at a time (`PIECE`, 256 KiB, in
 * `crates/wasm/src/result_stream.rs`), so that a large read's results are not all built at once.
 * Here a whole output file arrives as one read (a response made from one byte array): pieces end
 * on lines, a line longer than a piece and lines of multibyte text are carried across, a last line
 * without its newline is still read, and every result comes back once, in order, with its own
 * answer; the output transparency file holds exactly the bytes received.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { AnthropicProvider, GoogleProvider, MemoryStorage, OpenAIProvider, type BatchProvider, type UnifiedResult } from "batch-router";

const OPENAI_BATCH = {
  id: "batch_large",
  object: "batch",
  endpoint: "/v1/chat/completions",
  input_file_id: "file-in",
  completion_window: "24h",
  status: "completed",
  output_file_id: "file-out",
  error_file_id: null,
  created_at: 1711471533,
  request_counts: { total: 0, completed: 0, failed: 0 },
};
const ANTHROPIC_BATCH = {
  id: "msgbatch_large",
  type: "message_batch",
  processing_status: "ended",
  request_counts: { processing: 0, succeeded: 0, errored: 0, canceled: 0, expired: 0 },
  created_at: "2024-08-20T18:37:24.100435Z",
  ended_at: "2024-08-20T18:37:24.100435Z",
  expires_at: "2024-08-21T18:37:24.100435Z",
  cancel_initiated_at: null,
  archived_at: null,
  results_url: "https://api.anthropic.com/v1/messages/batches/msgbatch_large/results",
};
const GOOGLE_BATCH = {
  name: "batches/large",
  metadata: { model: "models/gemini-2.5-flash", state: "BATCH_STATE_SUCCEEDED", name: "batches/large" },
  done: true,
  response: { responsesFile: "files/out" },
};

/** The answer of line `index`: some lines long (one past 256 KiB), some with 2-, 3- and 4-byte characters. */
function answer(index: number): string {
  if (index === 700) return `long ${index} ` + "x".repeat(300 * 1024);
  if (index % 5 === 0) return `héllo ✓ 😀 ${index} ` + "é".repeat(index % 997);
  return `answer ${index} ` + "a".repeat((index * 37) % 1500);
}

const LINES: Record<string, (index: number) => unknown> = {
  openai: (index) => ({
    id: `batch_req_${index}`,
    custom_id: `request-${index}`,
    response: {
      status_code: 200,
      request_id: `req_${index}`,
      body: {
        id: `chatcmpl-${index}`,
        object: "chat.completion",
        created: 1711652795,
        model: "gpt-4o-mini",
        choices: [{ index: 0, message: { role: "assistant", content: answer(index), refusal: null }, logprobs: null, finish_reason: "stop" }],
        usage: { prompt_tokens: index, completion_tokens: 1, total_tokens: index + 1 },
      },
    },
    error: null,
  }),
  anthropic: (index) => ({
    custom_id: `request-${index}`,
    result: {
      type: "succeeded",
      message: {
        id: `msg_${index}`,
        type: "message",
        role: "assistant",
        model: "claude-3-5-haiku-20241022",
        content: [{ type: "text", text: answer(index) }],
        stop_reason: "end_turn",
        stop_sequence: null,
        usage: { input_tokens: index, output_tokens: 1 },
      },
    },
  }),
  google: (index) => ({
    key: `request-${index}`,
    response: {
      candidates: [{ content: { parts: [{ text: answer(index) }], role: "model" }, finishReason: "STOP", index: 0 }],
      usageMetadata: { promptTokenCount: index, candidatesTokenCount: 1, totalTokenCount: index + 1 },
    },
  }),
};

/** A provider whose results download is `body`, one byte array (so one read). */
function providerFor(name: string, body: Uint8Array<ArrayBuffer>, storage: MemoryStorage): BatchProvider {
  const fetch = async (request: Request): Promise<Response> => {
    const path = new URL(request.url).pathname;
    if (/\/content$|\/results$|:download$/.test(path)) return new Response(body, { status: 200 });
    const batch = name === "openai" ? OPENAI_BATCH : name === "anthropic" ? ANTHROPIC_BATCH : GOOGLE_BATCH;
    return new Response(JSON.stringify(batch), { status: 200, headers: { "content-type": "application/json" } });
  };
  const options = { apiKey: "fake-large-reads-key-0123456789abcdef", storage, fetch };
  if (name === "openai") return new OpenAIProvider(options);
  if (name === "anthropic") return new AnthropicProvider(options);
  return new GoogleProvider(options);
}

const BATCH_IDS: Record<string, string> = { openai: "batch_large", anthropic: "msgbatch_large", google: "batches/large" };
const COUNT = 2500;

describe("a large read is decoded in pieces", () => {
  for (const name of ["openai", "anthropic", "google"]) {
    test(`${name}: ${COUNT} lines in one read of several MB`, async () => {
      // The last line has no newline.
      const text = Array.from({ length: COUNT }, (_, index) => JSON.stringify(LINES[name]!(index))).join("\n");
      const body = new TextEncoder().encode(text);
      assert.ok(body.length > 4 * 256 * 1024, `the read spans several pieces (${body.length} bytes)`);
      const storage = new MemoryStorage();
      const provider = providerFor(name, body, storage);
      const results: UnifiedResult[] = [];
      for await (const result of provider.getResults(BATCH_IDS[name]!)) results.push(result);
      assert.equal(results.length, COUNT);
      results.forEach((result, index) => {
        assert.equal(result.customId, `request-${index}`);
        assert.equal(result.status, "succeeded", `${result.customId}: ${JSON.stringify(result.error)}`);
        assert.equal(result.response?.text, answer(index), result.customId);
        assert.equal(result.response?.usage?.inputTokens, index, result.customId);
      });
      const stored = await storage.read(`generated/${name}/batch_${BATCH_IDS[name]!.replace(/[^A-Za-z0-9_.-]/g, "_")}_output.jsonl`);
      assert.equal(stored, text, "the output file holds the bytes received, once each");
    });
  }
});
