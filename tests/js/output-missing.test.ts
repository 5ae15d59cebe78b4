/**
 * Field case 14's kind on every provider with counts: a finished status is complete only once its
 * output can be read, and a read of a batch whose counts promise answers never ends empty. Each
 * provider is a fake fetch answering in the shapes of the reference.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { AnthropicProvider, BatchNotCompleteError, GoogleProvider, InvalidResponseError, MemoryStorage, OpenAIProvider, type UnifiedResult } from "batch-router";

import { collect } from "../support/batches.js";

type Routes = Record<string, () => Response>;
const json = (body: unknown) => new Response(JSON.stringify(body), { headers: { "content-type": "application/json" } });
const bytes = (text: string) => new Response(text, { headers: { "content-type": "application/octet-stream" } });
const fake = (routes: Routes) => async (request: Request) => (routes[new URL(request.url).pathname] ?? (() => new Response("{}", { status: 404 })))();

function openaiBatch(files: { output_file_id?: string | null; error_file_id?: string | null }): Record<string, unknown> {
  return { id: "batch_t1", object: "batch", endpoint: "/v1/chat/completions", input_file_id: "file-in", completion_window: "24h", status: "completed", created_at: 1, completed_at: 2, request_counts: { total: 2, completed: 2, failed: 0 }, output_file_id: null, error_file_id: null, ...files };
}
const chatLine = (id: string) => JSON.stringify({ id: `r-${id}`, custom_id: id, response: { status_code: 200, request_id: "q", body: { id: "c", object: "chat.completion", created: 1, model: "gpt-4o-mini", choices: [{ index: 0, message: { role: "assistant", content: `ok ${id}` }, finish_reason: "stop" }] } }, error: null });

async function rejection(results: AsyncIterable<UnifiedResult>): Promise<InvalidResponseError> {
  let caught: unknown;
  await collect(results).catch((error: unknown) => (caught = error));
  assert.ok(caught instanceof InvalidResponseError, String(caught));
  return caught;
}

describe("a finished batch without its output", () => {
  test("OpenAI completed, both file ids null: still in_progress, results not complete", async () => {
    const provider = new OpenAIProvider({ apiKey: "k", storage: false, fetch: fake({ "/v1/batches/batch_t1": () => json(openaiBatch({})) }) });
    const status = await provider.getStatus("batch_t1");
    assert.deepEqual([status.status, status.rawStatus, status.isComplete()], ["in_progress", "completed", false]);
    await assert.rejects(collect(provider.getResults("batch_t1")), BatchNotCompleteError);
  });

  test("OpenAI completed with a 0-byte output file: InvalidResponseError naming batch and counts; earlier files kept", async () => {
    let output = `${chatLine("a")}\n${chatLine("b")}\n`;
    const storage = new MemoryStorage();
    const provider = new OpenAIProvider({ apiKey: "k", storage, fetch: fake({ "/v1/batches/batch_t1": () => json(openaiBatch({ output_file_id: "file-out" })), "/v1/files/file-out/content": () => bytes(output) }) });
    assert.equal((await collect(provider.getResults("batch_t1"))).length, 2);
    const before = await storage.read("generated/openai/batch_batch_t1_results.jsonl");
    assert.ok(before?.includes("ok a"));
    output = "";
    const error = await rejection(provider.getResults("batch_t1"));
    assert.equal(error.outputMissing, true);
    assert.match(error.message, /batch batch_t1 is completed with 2 succeeded and 0 errored of 2 requests, but its output holds no result/);
    assert.equal(await storage.read("generated/openai/batch_batch_t1_results.jsonl"), before, "the earlier results file is not replaced by an empty one");
  });

  const operation = (response: unknown) => ({
    name: "batches/e",
    done: true,
    metadata: { "@type": "type.googleapis.com/google.ai.generativelanguage.v1beta.GenerateContentBatch", model: "models/gemini-2.5-flash", state: "BATCH_STATE_SUCCEEDED", batchStats: { requestCount: "2", successfulRequestCount: "2" } },
    response: { "@type": "type.googleapis.com/google.ai.generativelanguage.v1beta.GenerateContentBatchOutput", ...(response as object) },
  });
  for (const [title, response] of [
    ["inlinedResponses.inlinedResponses []", { inlinedResponses: { inlinedResponses: [] } }],
    ["a 0-byte responsesFile", { responsesFile: "files/out" }],
  ] as const) {
    test(`Gemini SUCCEEDED and done with ${title}: InvalidResponseError`, async () => {
      const provider = new GoogleProvider({ apiKey: "k", storage: false, fetch: fake({ "/v1beta/batches/e": () => json(operation(response)), "/download/v1beta/files/out:download": () => bytes("") }) });
      const error = await rejection(provider.getResults("batches/e"));
      assert.equal(error.outputMissing, true);
      assert.match(error.message, /batch batches\/e is completed with 2 succeeded and 0 errored of 2 requests/);
    });
  }

  test("Anthropic ended before results_url: in_progress, then readable once it is set", async () => {
    let url: string | null = null;
    const batch = () => ({ id: "msgbatch_e1", type: "message_batch", processing_status: "ended", request_counts: { processing: 0, succeeded: 1, errored: 0, canceled: 0, expired: 0 }, created_at: "2026-11-29T10:00:00Z", expires_at: "2026-11-30T10:00:00Z", ended_at: "2026-11-29T10:05:00Z", cancel_initiated_at: null, archived_at: null, results_url: url });
    const line = JSON.stringify({ custom_id: "a", result: { type: "succeeded", message: { id: "m", type: "message", role: "assistant", model: "claude-haiku-4-5", content: [{ type: "text", text: "ok" }], stop_reason: "end_turn", stop_sequence: null, usage: { input_tokens: 1, output_tokens: 1 } } } });
    const provider = new AnthropicProvider({ apiKey: "k", storage: false, fetch: fake({ "/v1/messages/batches/msgbatch_e1": () => json(batch()), "/v1/messages/batches/msgbatch_e1/results": () => bytes(line + "\n") }) });
    const status = await provider.getStatus("msgbatch_e1");
    assert.deepEqual([status.status, status.rawStatus, status.isComplete()], ["in_progress", "ended", false]);
    await assert.rejects(collect(provider.getResults("msgbatch_e1")), BatchNotCompleteError);
    url = "https://api.anthropic.com/v1/messages/batches/msgbatch_e1/results";
    assert.equal((await provider.getStatus("msgbatch_e1")).isComplete(), true);
    assert.deepEqual((await collect(provider.getResults("msgbatch_e1"))).map((result) => result.status), ["succeeded"]);
  });
});
