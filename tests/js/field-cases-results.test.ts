/**
 * The result field cases of issue 12 (tests/fixtures/field-cases/, copied from real users' files)
 * through the built package and the emulators: each case's provider answers are served behind a
 * finished batch and read with `getResults`.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { after, describe, test } from "node:test";

import { AnthropicProvider, OpenAIProvider, VLLMProvider, MemoryStorage, type UnifiedResult, type Usage } from "batch-router";

import { AnthropicEmulator } from "../emulators/anthropic-emulator.js";
import { OpenAIEmulator } from "../emulators/openai-emulator.js";
import type { JsonObject } from "../emulators/gemini-responses.js";
import { anthropicTextRequest } from "../support/anthropic-requests.js";
import { collect, waitUntilComplete } from "../support/batches.js";
import { startGemini, type GeminiSetup } from "../support/gemini-harness.js";
import { geminiText } from "../support/gemini-requests.js";
import { textRequest } from "../support/requests.js";
import { serve, type RunningServer } from "../support/serve.js";

const OPENAI_KEY = "fake-field-case-openai-key-0123456789abcdef";
const ANTHROPIC_KEY = "fake-field-case-anthropic-key-0123456789abcdef";

function fixture(path: string): string {
  return readFileSync(new URL(`../../fixtures/field-cases/${path}`, import.meta.url), "utf8");
}

const servers: RunningServer[] = [];
const geminiSetups: GeminiSetup[] = [];
after(async () => {
  for (const server of servers) await server.close();
  for (const setup of geminiSetups) await setup.server.close();
});

async function openAI(): Promise<{ emulator: OpenAIEmulator; url: string }> {
  const emulator = new OpenAIEmulator({ apiKey: OPENAI_KEY, chunkSize: 61 });
  const server = await serve(emulator.fetch);
  servers.push(server);
  return { emulator, url: `${server.url}/v1` };
}

/** A finished OpenAI-protocol batch whose output (and error) file holds the given text. */
async function servedBehindABatch(
  provider: OpenAIProvider | VLLMProvider,
  emulator: OpenAIEmulator,
  output: string,
  errors?: string,
  endpoint?: "chat" | "responses",
): Promise<UnifiedResult[]> {
  const requests = [textRequest("one", "x")];
  if (errors !== undefined) requests.push(textRequest("two", "please FAIL_400"));
  const batchId = await provider.sendBatch({ provider: provider instanceof VLLMProvider ? "vllm" : "openai", requests, ...(endpoint ? { endpoint } : {}) });
  emulator.complete(batchId);
  const batch = emulator.batches.get(batchId)!.object as unknown as { output_file_id: string; error_file_id: string | null };
  emulator.setFileContent(batch.output_file_id, output);
  if (errors !== undefined) emulator.setFileContent(batch.error_file_id!, errors);
  return collect(provider.getResults(batchId));
}

function assertOneMeaning(usage: Usage | undefined): Usage {
  assert.ok(usage, "usage expected");
  assert.equal(usage.inputTokens + usage.outputTokens, usage.totalTokens);
  assert.ok((usage.cacheReadTokens ?? 0) + (usage.cacheWriteTokens ?? 0) <= usage.inputTokens);
  assert.ok((usage.reasoningTokens ?? 0) <= usage.outputTokens);
  return usage;
}

describe("field cases: results", () => {
  test("03: an error line with status 0 and an empty body is errored and retryable", async () => {
    const { emulator, url } = await openAI();
    const provider = new OpenAIProvider({ apiKey: OPENAI_KEY, baseUrl: url, storage: false });
    const results = await servedBehindABatch(
      provider,
      emulator,
      fixture("03-openai-status0-empty-body/output.jsonl"),
      fixture("03-openai-status0-empty-body/errors.jsonl"),
    );
    assert.deepEqual(results.map((result) => [result.customId, result.status]), [["chat-1", "succeeded"], ["chat-2", "succeeded"], ["chat-3", "errored"]]);
    const error = results[2]!.error!;
    assert.equal(error.code, "no_response");
    assert.equal(error.retryable, true);
    assert.match(error.message, /no HTTP answer/);
  });

  test("22: the same physical usage gives the same Usage from OpenAI, Anthropic and Gemini", async () => {
    const { emulator, url } = await openAI();
    const openai = await servedBehindABatch(new OpenAIProvider({ apiKey: OPENAI_KEY, baseUrl: url, storage: false }), emulator, fixture("22-usage-cache-reasoning-semantics/openai-output.jsonl"));

    const anthropicEmulator = new AnthropicEmulator({ apiKey: ANTHROPIC_KEY, chunkSize: 13 });
    const anthropicServer = await serve(anthropicEmulator.fetch);
    servers.push(anthropicServer);
    const anthropicProvider = new AnthropicProvider({ apiKey: ANTHROPIC_KEY, baseUrl: anthropicServer.url, storage: false });
    const anthropicBatch = await anthropicProvider.sendBatch({ provider: "anthropic", requests: [anthropicTextRequest("u-anthropic", "x")] });
    anthropicEmulator.end(anthropicBatch);
    anthropicEmulator.setResultLines(anthropicBatch, fixture("22-usage-cache-reasoning-semantics/anthropic-results.jsonl").trim().split("\n"));
    const anthropic = await collect(anthropicProvider.getResults(anthropicBatch));

    const gemini = await startGemini({}, { storage: false });
    geminiSetups.push(gemini);
    const geminiBatch = await gemini.provider.sendBatch({ provider: "google", requests: [geminiText("u-gemini", "x")] });
    await waitUntilComplete(gemini.provider, geminiBatch);
    gemini.emulator.files.setText(gemini.emulator.batches.get(geminiBatch)!.responsesFile!, fixture("22-usage-cache-reasoning-semantics/gemini-responses.jsonl"));
    const google = await collect(gemini.provider.getResults(geminiBatch));

    for (const [provider, results] of [["openai", openai], ["anthropic", anthropic], ["google", google]] as const) {
      assert.equal(results.length, 1, provider);
      const usage = assertOneMeaning(results[0]!.response?.usage);
      assert.deepEqual([usage.inputTokens, usage.cacheReadTokens, usage.outputTokens, usage.totalTokens], [4411, 4000, 70, 4481], provider);
    }
    assert.equal(anthropic[0]!.response?.usage?.cacheWriteTokens, 400);
    assert.equal(openai[0]!.response?.usage?.reasoningTokens, 50);
    assert.equal(google[0]!.response?.usage?.reasoningTokens, 50);
  });

  test("25: Responses bodies decode; an embeddings body is an error that names it, raw kept", async () => {
    const { emulator, url } = await openAI();
    const provider = new OpenAIProvider({ apiKey: OPENAI_KEY, baseUrl: url, storage: new MemoryStorage() });
    // A `/v1/responses` batch, as the case's file came from.
    const results = await servedBehindABatch(provider, emulator, fixture("25-openai-responses-body-in-output/output.jsonl"), undefined, "responses");
    assert.deepEqual(results.map((result) => [result.customId, result.status]), [["resp-1", "succeeded"], ["resp-2", "succeeded"], ["emb-1", "errored"]]);
    const first = results[0]!.response!;
    assert.match(first.text, /^\[\{"number": "3\.4500", "name_ja": "バリデーション"\}\]$/);
    assert.equal(first.finishReason, "stop");
    const usage = assertOneMeaning(first.usage);
    assert.deepEqual([usage.inputTokens, usage.outputTokens, usage.reasoningTokens], [5192, 10185, 5568]);
    const second = results[1]!.response!;
    assert.deepEqual([second.text, second.finishReason], ["", "length"]);
    const error = results[2]!.error!;
    assert.equal(error.code, "embeddings_body");
    assert.equal(error.retryable, false);
    assert.equal((error.raw as { custom_id: string }).custom_id, "emb-1");
    for (const result of results) {
      if (result.status === "succeeded") assert.ok(result.response!.text !== "" || result.response!.finishReason !== "stop", "no empty success");
    }
    // The same file behind a chat batch: Responses bodies are not its answers, and say so by id.
    const inChat = await servedBehindABatch(provider, emulator, fixture("25-openai-responses-body-in-output/output.jsonl"), undefined, "chat");
    assert.deepEqual(
      inChat.map((result) => [result.customId, result.status, result.error?.code, result.error?.retryable]),
      [["resp-1", "errored", "responses_body", false], ["resp-2", "errored", "responses_body", false], ["emb-1", "errored", "embeddings_body", false]],
    );
    assert.match(inChat[0]!.error!.message, /^request "resp-1": the body is a Responses object \(\/v1\/responses\) in a chat batch \(\/v1\/chat\/completions expected\)/);
  });

  test("26: Gemini inline answers without metadata are all returned, and say how they were matched", async () => {
    const gemini = await startGemini();
    geminiSetups.push(gemini);
    const sender = gemini.providerWith({ route: "inline" });
    const batchId = await sender.sendBatch({ provider: "google", requests: [geminiText("what-is-ai", "AI?"), geminiText("qubits", "Qubits?")] });
    await waitUntilComplete(sender, batchId);
    const operation = JSON.parse(fixture("26-gemini-inline-without-keys/operation.json")) as JsonObject;
    gemini.emulator.editOperation(batchId, (current) => {
      current.response = operation.response;
      (current.metadata as JsonObject).batchStats = (operation.metadata as JsonObject).batchStats;
    });

    // storage: false, another process: no stored order, yet no answer is lost.
    const elsewhere = await collect(gemini.providerWith({ storage: false }).getResults(batchId));
    assert.deepEqual(
      elsewhere.map((result) => [result.customId, result.status, result.attribution]),
      [["", "succeeded", { by: "none", position: 0 }], ["", "succeeded", { by: "none", position: 1 }]],
    );
    const usage = assertOneMeaning(elsewhere[0]!.response?.usage);
    assert.deepEqual([usage.inputTokens, usage.outputTokens, usage.reasoningTokens, usage.totalTokens], [8, 840, 829, 848]);

    // With the stored order: matched by position, and marked so.
    const stored = await collect(sender.getResults(batchId));
    assert.deepEqual(
      stored.map((result) => [result.customId, result.attribution]),
      [["what-is-ai", { by: "position", position: 0 }], ["qubits", { by: "position", position: 1 }]],
    );
    assert.match(stored[1]!.response!.text, /^Qubits/);
  });

  test("27: older vLLM lines (the completion directly in response) decode", async () => {
    const { emulator, url } = await openAI();
    const provider = new VLLMProvider({ baseUrl: url, apiKey: OPENAI_KEY, storage: false });
    try {
      const results = await servedBehindABatch(provider, emulator, fixture("27-vllm-older-output-shape/output.jsonl"));
      assert.deepEqual(
        results.map((result) => [result.customId, result.status, result.response?.finishReason, result.response?.usage?.inputTokens, result.response?.usage?.outputTokens]),
        [["request-1", "succeeded", "stop", 25, 31], ["request-2", "succeeded", "stop", 27, 5]],
      );
      assert.equal(results[1]!.response!.text, "*silence*");
    } finally {
      await provider.close();
    }
  });

  test("28: a cut line keeps the custom id it still contains", async () => {
    const { emulator, url } = await openAI();
    const provider = new OpenAIProvider({ apiKey: OPENAI_KEY, baseUrl: url, storage: false });
    const results = await servedBehindABatch(provider, emulator, fixture("28-malformed-line-keeps-its-id/output.jsonl"));
    assert.deepEqual(results.map((result) => [result.customId, result.status, result.error?.code]), [
      ["keep-me-1", "succeeded", undefined],
      ["keep-me-2", "errored", "malformed_result_line"],
      ["keep-me-3", "succeeded", undefined],
    ]);
    assert.equal(results[1]!.error!.retryable, true);
  });
});
