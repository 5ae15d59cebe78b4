/**
 * Issue 13: `candidateCount` answers and `response.parsed` through the built package. An OpenAI
 * batch is finished by the emulator on 127.0.0.1 and its output replaced by answers of several
 * choices whose text is JSON: only the requests that asked for JSON get `parsed` (the provider that
 * sent the batch knows which, from the summary's `jsonAnswers`), and every choice comes back.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";

import { AnthropicProvider, OpenAIProvider, ValidationError, type UnifiedRequest } from "batch-router";

import { OpenAIEmulator } from "../emulators/openai-emulator.js";
import { collect } from "../support/batches.js";
import { serve, type RunningServer } from "../support/serve.js";
import { specValidator } from "../support/spec-validator.js";

const API_KEY = "fake-candidates-key-0123456789abcdef";

const REQUESTS: UnifiedRequest[] = [
  { customId: "asked", model: "gpt-4o-mini", messages: [{ role: "user", content: "Reply in JSON." }], responseFormat: { type: "json" }, generationConfig: { candidateCount: 3 } },
  { customId: "not-asked", model: "gpt-4o-mini", messages: [{ role: "user", content: "Say anything." }] },
];

/** An output line for `customId` with one choice per text (finish reason `length` for a cut one). */
function outputLine(customId: string, texts: string[]): string {
  const choices = texts.map((text, index) => ({
    index,
    message: { role: "assistant", content: text, refusal: null },
    logprobs: null,
    finish_reason: text.endsWith("}") || text.endsWith("]") ? "stop" : "length",
  }));
  const body = { id: `chatcmpl-${customId}`, object: "chat.completion", created: 1, model: "gpt-4o-mini", choices, usage: { prompt_tokens: 4, completion_tokens: 12, total_tokens: 16 } };
  return JSON.stringify({ id: `line-${customId}`, custom_id: customId, response: { status_code: 200, request_id: "r", body }, error: null });
}

describe("candidates and parsed JSON answers", () => {
  let emulator: OpenAIEmulator;
  let server: RunningServer;
  let baseUrl: string;

  before(async () => {
    emulator = new OpenAIEmulator({ apiKey: API_KEY, validateBody: specValidator("openai", "CreateChatCompletionRequest") });
    server = await serve(emulator.fetch);
    baseUrl = `${server.url}/v1`;
  });

  after(async () => {
    await server.close();
  });

  test("n is sent, every choice comes back, and parsed follows responseFormat", async () => {
    const provider = new OpenAIProvider({ apiKey: API_KEY, baseUrl, storage: false });
    const batchId = await provider.sendBatch({ provider: "openai", requests: REQUESTS });
    const sent = [...emulator.batches.get(batchId)!.lines];
    assert.equal((sent[0]!.body as { n?: number }).n, 3);
    emulator.complete(batchId);
    const batch = emulator.batches.get(batchId)!.object as unknown as { output_file_id: string };
    emulator.setFileContent(
      batch.output_file_id,
      [outputLine("asked", ['{"city": "Paris"}', '{"city": "Lyon"}', '{"city": "Ni']), outputLine("not-asked", ['{"looks": "like JSON"}'])].join("\n") + "\n",
    );
    const results = await collect(provider.getResults(batchId));
    const byId = new Map(results.map((result) => [result.customId, result.response!]));
    const asked = byId.get("asked")!;
    assert.deepEqual(asked.parsed, { city: "Paris" });
    assert.deepEqual(asked.candidates?.map((candidate) => candidate.index), [0, 1, 2]);
    assert.deepEqual(asked.candidates?.[1]?.parsed, { city: "Lyon" });
    assert.equal(asked.candidates?.[2]?.finishReason, "length");
    assert.match(asked.candidates?.[2]?.parseError ?? "", /not valid JSON \(the answer was cut off by the token limit\)/);
    // The request did not ask for JSON: its text stays text.
    const notAsked = byId.get("not-asked")!;
    assert.equal(notAsked.parsed, undefined);
    assert.equal(notAsked.candidates, undefined);
    assert.equal(notAsked.text, '{"looks": "like JSON"}');

    // Another instance that never saw the batch (storage: false) falls back to parsing JSON-looking text.
    const stranger = new OpenAIProvider({ apiKey: API_KEY, baseUrl, storage: false });
    const guessed = new Map((await collect(stranger.getResults(batchId))).map((result) => [result.customId, result.response!]));
    assert.deepEqual(guessed.get("not-asked")!.parsed, { looks: "like JSON" });
  });

  test("more than one candidate is refused on Anthropic, naming request and field", () => {
    const anthropicOne: UnifiedRequest = { ...REQUESTS[0]!, model: "claude-haiku-4-5", responseFormat: undefined };
    const provider = new OpenAIProvider({ apiKey: API_KEY, baseUrl, storage: false });
    assert.equal(provider.prepareBatch([REQUESTS[0]!]).summary.jsonAnswers, "all");
    const anthropic = new AnthropicProvider({ apiKey: "k", storage: false });
    assert.throws(() => anthropic.prepareBatch([anthropicOne]), (error: unknown) => {
      assert.ok(error instanceof ValidationError);
      assert.deepEqual([error.index, error.customId, error.field], [0, "asked", "generationConfig.candidateCount"]);
      return true;
    });
  });
});
