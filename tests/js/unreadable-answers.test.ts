/**
 * Answers that hold nothing readable, and errors that say nothing (field cases 25 and 03, as a
 * new-user trial found them again): through the built package, each provider's finished batch
 * served by a `fetch` of its own shapes and read with `getResults`.
 *
 * - A body from which nothing of the answer can be read is errored `unknown_body`, not
 *   retryable, the body kept in `raw` (never an empty success that a job would keep).
 * - An error that carries no information (Gemini `{code: 0, message: ""}` or `{}`, xAI's and
 *   Anthropic's empty errors, status 0 with a codeless error) is `no_response`, retryable.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";

import {
  AnthropicProvider,
  GoogleProvider,
  MistralProvider,
  OpenAIProvider,
  XAIProvider,
  type UnifiedResult,
} from "batch-router";

type Route = [method: string, path: RegExp, answer: (match: RegExpMatchArray) => Response];

const json = (body: unknown): Response =>
  new Response(JSON.stringify(body), { status: 200, headers: { "content-type": "application/json" } });
const bytes = (body: string): Response =>
  new Response(body, { status: 200, headers: { "content-type": "application/octet-stream" } });
const jsonl = (lines: unknown[]): string => lines.map((line) => JSON.stringify(line)).join("\n") + "\n";

/** A `fetch` that answers the first route matching the method and path, else 404. */
function routes(list: Route[]): typeof fetch {
  return (async (input: RequestInfo | URL, init?: RequestInit) => {
    const request = input instanceof Request ? input : new Request(input, init);
    const path = new URL(request.url).pathname;
    for (const [method, pattern, answer] of list) {
      const match = path.match(pattern);
      if (method === request.method && match) return answer(match);
    }
    return new Response(JSON.stringify({ error: { message: `no route ${path}` } }), { status: 404 });
  }) as typeof fetch;
}

async function collect(results: AsyncIterable<UnifiedResult>): Promise<Map<string, UnifiedResult>> {
  const all = new Map<string, UnifiedResult>();
  for await (const result of results) all.set(result.customId, result);
  return all;
}

function openAIBatch(endpoint: string, output: string): typeof fetch {
  const batch = {
    id: "batch_1", object: "batch", endpoint, errors: null, input_file_id: "file-in", completion_window: "24h",
    status: "completed", output_file_id: "file-out", error_file_id: null, created_at: 1764400000,
    completed_at: 1764400600, request_counts: { total: 1, completed: 1, failed: 0 }, metadata: null,
  };
  return routes([
    ["GET", /\/batches\/[^/]+$/, () => json(batch)],
    ["GET", /\/files\/file-out\/content$/, () => bytes(output)],
  ]);
}

const openAILine = (customId: string, body: unknown) =>
  ({ id: "b", custom_id: customId, response: { status_code: 200, request_id: "r", body }, error: null });

function assertUnreadable(result: UnifiedResult | undefined, words: string, label: string): void {
  assert.ok(result, `${label}: no result`);
  assert.equal(result.status, "errored", `${label}: ${JSON.stringify(result)}`);
  assert.equal(result.error?.code, "unknown_body", label);
  assert.equal(result.error?.retryable, false, label);
  assert.match(result.error!.message, new RegExp(words.replace(/[`.*()]/g, "\\$&")), label);
  assert.ok(result.error?.raw, `${label}: raw kept`);
}

function assertNoAnswer(result: UnifiedResult | undefined, label: string): void {
  assert.ok(result, `${label}: no result`);
  assert.equal(result.status, "errored", `${label}: ${JSON.stringify(result)}`);
  assert.equal(result.error?.code, "no_response", label);
  assert.equal(result.error?.retryable, true, label);
  assert.match(result.error!.message, /^the provider produced no/, label);
}

describe("an answer with nothing readable is no success", () => {
  test("OpenAI Responses bodies whose output holds no item read", async () => {
    const responses = (output: unknown[]) => ({
      id: "resp_1", object: "response", created_at: 1, status: "completed", model: "gpt-5", output,
      usage: { input_tokens: 10, output_tokens: 20, total_tokens: 30 },
    });
    const cases: [string, unknown[], string][] = [
      ["web-search-only", [{ type: "web_search_call", id: "ws_1", status: "completed" }], "web_search_call"],
      ["image-only", [{ type: "image_generation_call", id: "ig_1", status: "completed", result: "iVBORw0KGgo=" }], "image_generation_call"],
      ["unknown-item", [{ type: "brand_new_item", id: "x_1" }], "brand_new_item"],
      ["unknown-part", [{ type: "message", id: "m", role: "assistant", content: [{ type: "output_audio", data: "AAAA" }] }], "a message with parts of other kinds"],
      ["empty-output", [], "no output item"],
      ["empty-text", [{ type: "message", role: "assistant", content: [{ type: "output_text", text: "" }] }], ""],
    ];
    const output = jsonl(cases.map(([id, items]) => openAILine(id, responses(items))));
    const provider = new OpenAIProvider({ apiKey: "k", storage: false, fetch: openAIBatch("/v1/responses", output) });
    const results = await collect(provider.getResults("batch_1"));
    for (const [id, , words] of cases.slice(0, -1)) assertUnreadable(results.get(id), words, id);
    // A known empty text stays the answer it is.
    assert.equal(results.get("empty-text")?.status, "succeeded");
  });

  test("OpenAI chat messages of only unread parts or audio", async () => {
    const chat = (message: unknown) => ({
      id: "c", object: "chat.completion", created: 1, model: "m",
      choices: [{ index: 0, message, finish_reason: "stop" }],
      usage: { prompt_tokens: 1, completion_tokens: 9, total_tokens: 10 },
    });
    const output = jsonl([
      openAILine("unknown-part", chat({ role: "assistant", content: [{ type: "output_audio", data: "AAAA" }] })),
      openAILine("audio-only", chat({ role: "assistant", content: null, audio: { id: "a", data: "AAAA", transcript: "hi", expires_at: 1 } })),
      openAILine("tool-call", chat({ role: "assistant", content: null, tool_calls: [{ id: "t", type: "function", function: { name: "f", arguments: "{}" } }] })),
      openAILine("empty-text", chat({ role: "assistant", content: "" })),
    ]);
    const provider = new OpenAIProvider({ apiKey: "k", storage: false, fetch: openAIBatch("/v1/chat/completions", output) });
    const results = await collect(provider.getResults("batch_1"));
    assertUnreadable(results.get("unknown-part"), "only `content`", "unknown-part");
    assertUnreadable(results.get("audio-only"), "only `audio`", "audio-only");
    assert.equal(results.get("tool-call")?.status, "succeeded");
    assert.equal(results.get("empty-text")?.status, "succeeded");
  });

  test("Anthropic messages of only server tool blocks", async () => {
    const message = (content: unknown[]) => ({
      id: "msg", type: "message", role: "assistant", model: "claude-sonnet-4-5", content,
      stop_reason: "end_turn", usage: { input_tokens: 5, output_tokens: 1 },
    });
    const results = jsonl([
      { custom_id: "server-only", result: { type: "succeeded", message: message([
        { type: "server_tool_use", id: "srvtoolu_1", name: "web_search", input: { query: "q" } },
        { type: "web_search_tool_result", tool_use_id: "srvtoolu_1", content: [] },
      ]) } },
      { custom_id: "empty", result: { type: "succeeded", message: message([]) } },
      { custom_id: "empty-error", result: { type: "errored", error: { type: "error", error: {} } } },
    ]);
    const batch = {
      id: "msgbatch_1", type: "message_batch", processing_status: "ended",
      request_counts: { processing: 0, succeeded: 2, errored: 1, canceled: 0, expired: 0 },
      created_at: "2026-11-29T10:00:00Z", expires_at: "2026-11-30T10:00:00Z", ended_at: "2026-11-29T10:10:00Z",
      cancel_initiated_at: null, archived_at: null,
      results_url: "https://api.anthropic.com/v1/messages/batches/msgbatch_1/results",
    };
    const provider = new AnthropicProvider({ apiKey: "k", storage: false, fetch: routes([
      ["GET", /\/messages\/batches\/[^/]+\/results$/, () => bytes(results)],
      ["GET", /\/messages\/batches\/[^/]+$/, () => json(batch)],
    ]) });
    const all = await collect(provider.getResults("msgbatch_1"));
    assertUnreadable(all.get("server-only"), "no content block of the message is text, thinking or a tool call", "server-only");
    assert.equal(all.get("empty")?.status, "succeeded");
    assertNoAnswer(all.get("empty-error"), "anthropic empty error");
  });
});

describe("an error that says nothing is no answer, and retryable", () => {
  const T = "type.googleapis.com/google.ai.generativelanguage.v1beta.";
  const answer = { candidates: [{ content: { role: "model", parts: [{ text: "fine" }] }, finishReason: "STOP" }], usageMetadata: {} };

  for (const route of ["file", "inline"] as const) {
    test(`Gemini errors of code 0 or of defaults (${route})`, async () => {
      const errors: [string, unknown][] = [["code-0", { code: 0, message: "" }], ["empty", {}], ["code-0-only", { code: 0 }]];
      const response = route === "file"
        ? { responsesFile: "files/out" }
        : { inlinedResponses: { inlinedResponses: [
          { response: answer, metadata: { key: "ok" } },
          ...errors.map(([key, error]) => ({ error, metadata: { key } })),
        ] } };
      const operation = {
        name: "batches/z", done: true, response,
        metadata: { "@type": `${T}GenerateContentBatch`, model: "models/gemini-2.5-flash", state: "BATCH_STATE_SUCCEEDED", batchStats: { requestCount: "4" } },
      };
      const file = jsonl([{ key: "ok", response: answer }, ...errors.map(([key, error]) => ({ key, error }))]);
      const provider = new GoogleProvider({ apiKey: "k", storage: false, fetch: routes([
        ["GET", /\/v1beta\/batches\/[^/:]+$/, () => json(operation)],
        ["GET", /\/download\/v1beta\/files\/out:download$/, () => bytes(file)],
      ]) });
      const results = await collect(provider.getResults("batches/z"));
      for (const [key] of errors) {
        assertNoAnswer(results.get(key), `gemini ${route} ${key}`);
        assert.notEqual(results.get(key)?.error?.code, "OK");
      }
      // `usageMetadata: {}` gives no count: no usage, as OpenAI's `usage: null`.
      assert.equal(results.get("ok")?.status, "succeeded");
      assert.equal(results.get("ok")?.response?.usage, undefined);
    });
  }

  test("xAI's empty error", async () => {
    const results = [
      { batch_request_id: "empty-error", batch_result: { error: {} } },
      { batch_request_id: "said", batch_result: { error: { message: "bad request" } } },
    ];
    const batch = {
      batch_id: "batch_x1", name: "t", create_time: "2026-11-29T10:00:00Z", expire_time: "2026-11-30T10:00:00Z",
      state: { num_requests: 2, num_pending: 0, num_success: 0, num_error: 2, num_cancelled: 0 },
    };
    const provider = new XAIProvider({ apiKey: "k", storage: false, fetch: routes([
      ["GET", /\/v1\/batches\/[^/]+\/results$/, () => json({ results })],
      ["GET", /\/v1\/batches\/[^/]+$/, () => json(batch)],
    ]) });
    const all = await collect(provider.getResults("batch_x1"));
    assertNoAnswer(all.get("empty-error"), "xai");
    assert.equal(all.get("said")?.error?.retryable, false);
  });

  test("status 0 with a codeless error is one code on OpenAI and Mistral; a string status is said in JSON's words", async () => {
    const lines = jsonl([
      { id: "b", custom_id: "codeless", response: { status_code: 0, request_id: "", body: {} }, error: { message: "dropped" } },
      { id: "b", custom_id: "string-status", response: { status_code: "0", request_id: "", body: {} }, error: null },
    ]);
    const openai = new OpenAIProvider({ apiKey: "k", storage: false, fetch: openAIBatch("/v1/chat/completions", lines) });
    const job = {
      id: "0b7c5a3e-1111-4222-8333-444455556666", object: "batch", input_files: ["aaaaaaaa-0000-4000-8000-000000000000"],
      metadata: null, endpoint: "/v1/chat/completions", model: "mistral-small-latest",
      output_file: "aaaaaaaa-0000-4000-8000-000000000001", error_file: null, errors: [], status: "SUCCESS",
      created_at: 1764400000, started_at: 1764400001, completed_at: 1764400600, total_requests: 2,
      completed_requests: 2, succeeded_requests: 0, failed_requests: 2,
    };
    const mistral = new MistralProvider({ apiKey: "k", storage: false, fetch: routes([
      ["GET", /\/v1\/batch\/jobs\/[^/]+$/, () => json(job)],
      ["GET", /\/v1\/files\/[^/]+\/content$/, () => bytes(lines)],
    ]) });
    for (const [name, results] of [
      ["openai", await collect(openai.getResults("batch_1"))],
      ["mistral", await collect(mistral.getResults(job.id))],
    ] as const) {
      assertNoAnswer(results.get("codeless"), `${name} codeless`);
      assert.match(results.get("codeless")!.error!.message, /: dropped$/);
      const wrongType = results.get("string-status")!.error!;
      assert.equal(wrongType.code, "malformed_result_line", name);
      assert.match(wrongType.message, /expected a whole number from 0 to 65535/, name);
      assert.doesNotMatch(wrongType.message, /u16/, name);
    }
  });
});
