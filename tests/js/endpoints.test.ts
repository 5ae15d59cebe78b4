/**
 * The batch endpoint (`chat` | `responses` | `embeddings`) through the built package, against
 * emulators on 127.0.0.1 that check every line against the official specs (OpenAI
 * `CreateResponse`, `CreateEmbeddingRequest`; Mistral `BatchRequest`, `EmbeddingRequest`; Gemini
 * `AsyncBatchEmbedContentRequest`, `InlinedEmbedContentRequest`, `EmbedContentRequest`), with
 * canaries proving each check can fail. Also: a Responses batch and a chat batch of the same
 * requests give the same unified results; an embeddings job larger than one OpenAI batch (by
 * inputs, not lines) splits, resumes in a new router and merges; providers without an endpoint
 * refuse it before anything is sent.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";

import {
  BatchRouter,
  GoogleProvider,
  MemoryStorage,
  OpenAIProvider,
  ValidationError,
  dryRun,
  estimateBatch,
  type UnifiedRequest,
  type UnifiedResult,
} from "batch-router";

import { GeminiEmulator } from "../emulators/gemini-emulator.js";
import { emulatedVector, OpenAIEmulator } from "../emulators/openai-emulator.js";
import { collect, waitUntilComplete } from "../support/batches.js";
import { geminiValidator } from "../support/gemini-spec.js";
import { startMistral } from "../support/mistral-harness.js";
import { serve } from "../support/serve.js";
import { specValidator } from "../support/spec-validator.js";

const KEY = "test-key-not-a-secret";
const chatSpec = specValidator("openai", "CreateChatCompletionRequest");
const createResponseSpec = specValidator("openai", "CreateResponse");
const easyInputMessageSpec = specValidator("openai", "EasyInputMessage");
const functionCallSpec = specValidator("openai", "FunctionToolCall");
const functionCallOutputSpec = specValidator("openai", "FunctionCallOutputItemParam");

/**
 * A Responses body against the spec. The spec's `InputItem` is a `oneOf` that only its
 * `discriminator` (on an optional `type`) tells apart: a message with a list of parts matches both
 * `EasyInputMessage` and `InputMessage`, so a plain schema check refuses every such message. So each
 * input item is checked against the one schema its shape names (a message: `EasyInputMessage`;
 * `function_call`: `FunctionToolCall`; `function_call_output`: `FunctionCallOutputItemParam`),
 * and the rest of the body against `CreateResponse` with `input` set aside.
 */
function responsesSpec(body: unknown): string[] {
  const { input, ...rest } = body as { input?: unknown };
  const errors = createResponseSpec({ ...rest, input: "set aside" });
  if (typeof input === "string") return errors;
  if (!Array.isArray(input)) return [...errors, "/input must be a string or an array"];
  input.forEach((item: { type?: string }, index) => {
    const check = item.type === "function_call" ? functionCallSpec : item.type === "function_call_output" ? functionCallOutputSpec : easyInputMessageSpec;
    errors.push(...check(item).map((error) => `/input/${index}${error}`));
  });
  return errors;
}
const embeddingsSpec = specValidator("openai", "CreateEmbeddingRequest");

/** Each line checked against the schema of its `url`. */
function openAIBodyCheck(body: unknown, url: string): string[] {
  if (url === "/v1/responses") return responsesSpec(body);
  if (url === "/v1/embeddings") return embeddingsSpec(body);
  return chatSpec(body);
}

/** Requests using every feature a Responses body carries. */
function chatRequests(): UnifiedRequest[] {
  const schema = { type: "object", properties: { city: { type: "string" } }, required: ["city"], additionalProperties: false };
  return [
    { customId: "plain", model: "gpt-5-mini", systemPrompt: "Be brief.", messages: [{ role: "user", content: "Capital of France?" }], generationConfig: { maxTokens: 500 } },
    {
      customId: "structured",
      model: "gpt-5-mini",
      messages: [{ role: "user", content: "Answer as JSON: capital?" }],
      responseFormat: { type: "json", name: "capital", schema, strict: true },
      reasoning: { effort: "low", includeThoughts: true },
    },
    {
      customId: "media",
      model: "gpt-5-mini",
      systemPrompt: ["One.", "Two."],
      messages: [
        {
          role: "user",
          content: [
            { type: "text", text: "Describe both" },
            { type: "image", sourceType: "url", data: "https://example.com/cat.png" },
            { type: "image", sourceType: "base64", data: "iVBORw0KGgo=", mediaType: "image/png" },
            { type: "document", sourceType: "base64", data: "JVBERi0xLjQ=", mediaType: "application/pdf" },
          ],
        },
      ],
    },
    {
      customId: "tools",
      model: "gpt-5-mini",
      messages: [
        { role: "user", content: "Weather in Paris?" },
        { role: "assistant", content: [{ type: "tool_call", id: "call_1", name: "weather", arguments: { city: "Paris" } }] },
        { role: "tool", content: [{ type: "tool_result", toolCallId: "call_1", content: "sunny" }] },
        { role: "user", content: "And tomorrow?" },
      ],
      tools: [{ name: "weather", description: "Weather by city", parameters: schema, strict: true }],
      toolChoice: "auto",
      parallelToolCalls: false,
      promptCacheKey: "weather-v1",
      endUserId: "user-hash-1",
    },
  ];
}

function byId(results: UnifiedResult[]): Map<string, UnifiedResult> {
  return new Map(results.map((result) => [result.customId, result]));
}

describe("OpenAI Responses batches", () => {
  test("every Responses line is valid against the spec's CreateResponse", async () => {
    const result = await dryRun("openai", chatRequests().map((request) => JSON.stringify(request)).join("\n"), { name: "responses", endpoint: "responses" });
    assert.equal(result.summary.endpoint, "responses");
    const lines = result.providerJsonl.trim().split("\n").map((line) => JSON.parse(line) as { url: string; body: Record<string, unknown> });
    assert.equal(lines.length, 4);
    for (const line of lines) {
      assert.equal(line.url, "/v1/responses");
      assert.deepEqual(responsesSpec(line.body), [], JSON.stringify(line.body));
      assert.deepEqual(chatSpec(line.body).length > 0, true, "a Responses body is not a chat body");
    }
  });

  test("canary: the CreateResponse check rejects chat-shaped and wrong Responses bodies", () => {
    const valid = { model: "gpt-5-mini", input: [{ role: "user", content: "hi" }] };
    assert.deepEqual(responsesSpec(valid), []);
    assert.notDeepEqual(responsesSpec({ ...valid, tools: [{ type: "function", function: { name: "f", parameters: {} } }] }), []);
    assert.notDeepEqual(responsesSpec({ ...valid, text: { format: { type: "json_schema", json_schema: { name: "x" } } } }), []);
    assert.notDeepEqual(responsesSpec({ ...valid, input: [{ role: "user", content: [{ type: "input_image", image_url: "https://x/y.png" }] }] }), []);
    assert.notDeepEqual(responsesSpec({ ...valid, max_output_tokens: "many" }), []);
    assert.notDeepEqual(responsesSpec({ ...valid, input: [{ role: "robot", content: "hi" }] }), []);
    assert.notDeepEqual(responsesSpec({ ...valid, input: [{ type: "function_call", call_id: "c", name: "f", arguments: { a: 1 } }] }), []);
    assert.notDeepEqual(responsesSpec({ ...valid, input: [{ type: "function_call_output", call_id: "c" }] }), []);
  });

  test("a Responses batch and a chat batch of the same requests give the same unified results", async () => {
    const emulator = new OpenAIEmulator({ apiKey: KEY, validateBody: openAIBodyCheck });
    const server = await serve(emulator.fetch);
    try {
      const provider = new OpenAIProvider({ apiKey: KEY, baseUrl: server.url + "/v1", storage: new MemoryStorage() });
      const results: Record<string, Map<string, UnifiedResult>> = {};
      for (const endpoint of ["chat", "responses"] as const) {
        const requests = chatRequests().map((request) => (endpoint === "chat" ? { ...request, reasoning: undefined } : request));
        const batchId = await provider.sendBatch({ provider: "openai", endpoint, requests });
        const status = await waitUntilComplete(provider, batchId);
        assert.equal((status.raw as { endpoint?: string }).endpoint, endpoint === "chat" ? "/v1/chat/completions" : "/v1/responses");
        results[endpoint] = byId(await collect(provider.getResults(batchId)));
      }
      assert.equal(results.chat!.size, 4);
      for (const [customId, chat] of results.chat!) {
        const responses = results.responses!.get(customId)!;
        assert.equal(responses.status, "succeeded", customId);
        assert.equal(responses.response!.text, chat.response!.text, customId);
        assert.equal(responses.response!.finishReason, chat.response!.finishReason, customId);
        // Responses always reports the cache and reasoning parts (its usage requires them); the
        // emulated chat answer leaves them out. The counts both report agree.
        const { inputTokens, outputTokens, totalTokens } = responses.response!.usage!;
        assert.deepEqual({ inputTokens, outputTokens, totalTokens }, chat.response!.usage, customId);
        assert.deepEqual(responses.response!.content, chat.response!.content, customId);
      }
    } finally {
      await server.close();
    }
  });

  test("settings Responses lacks are refused before anything is sent, naming request and field", async () => {
    const emulator = new OpenAIEmulator({ apiKey: KEY });
    const server = await serve(emulator.fetch);
    try {
      const provider = new OpenAIProvider({ apiKey: KEY, baseUrl: server.url + "/v1", storage: false });
      const requests: UnifiedRequest[] = [{ customId: "s", model: "m", messages: [{ role: "user", content: "x" }], generationConfig: { stopSequences: ["END"] } }];
      await assert.rejects(provider.sendBatch({ provider: "openai", endpoint: "responses", requests }), (error: unknown) => {
        assert.ok(error instanceof ValidationError);
        assert.equal(error.field, "generationConfig.stopSequences");
        assert.equal(error.customId, "s");
        return true;
      });
      assert.equal(emulator.received.length, 0, "nothing was sent");
    } finally {
      await server.close();
    }
  });
});

const corpus = ["The cat sat on the mat.", "Batch APIs cost half as much.", "Vectors come back in input order."];

describe("embedding batches", () => {
  test("canaries: the embeddings checks reject wrong bodies", () => {
    assert.deepEqual(embeddingsSpec({ model: "text-embedding-3-small", input: ["a", "b"], dimensions: 256 }), []);
    assert.notDeepEqual(embeddingsSpec({ model: "text-embedding-3-small", input: ["a"], task_type: "x" }), []);
    assert.notDeepEqual(embeddingsSpec({ input: ["a"] }), []);
    const mistral = specValidator("mistral", "EmbeddingRequest");
    assert.deepEqual(mistral({ model: "mistral-embed", input: ["a"], output_dimension: 256 }), []);
    assert.notDeepEqual(mistral({ model: "mistral-embed", input: ["a"], dimensions: 256 }), []);
    const gemini = geminiValidator("EmbedContentRequest");
    assert.deepEqual(gemini({ model: "models/gemini-embedding-001", content: { parts: [{ text: "a" }] }, taskType: "RETRIEVAL_DOCUMENT" }), []);
    assert.notDeepEqual(gemini({ model: "models/gemini-embedding-001", content: { parts: [{ text: "a" }] }, taskType: "SEARCH" }), []);
    assert.notDeepEqual(gemini({ model: "models/gemini-embedding-001", content: { parts: [{ text: "a" }] }, dimensions: 3 }), []);
  });

  test("OpenAI: vectors in input order with usage, every line valid", async () => {
    const emulator = new OpenAIEmulator({ apiKey: KEY, validateBody: openAIBodyCheck });
    const server = await serve(emulator.fetch);
    try {
      const storage = new MemoryStorage();
      const provider = new OpenAIProvider({ apiKey: KEY, baseUrl: server.url + "/v1", storage });
      const requests: UnifiedRequest[] = [
        { customId: "many", model: "text-embedding-3-small", input: corpus, dimensions: 6 },
        { customId: "one", model: "text-embedding-3-small", input: corpus[0]!, providerKwargs: { encoding_format: "float", user: "user-1" } },
      ];
      const batchId = await provider.sendBatch({ provider: "openai", endpoint: "embeddings", requests });
      await waitUntilComplete(provider, batchId);
      const results = byId(await collect(provider.getResults(batchId)));
      const many = results.get("many")!.response!;
      assert.deepEqual(many.embeddings, corpus.map((text) => emulatedVector(text, 6)));
      const tokens = corpus.join("").length;
      assert.deepEqual(many.usage, { inputTokens: tokens, outputTokens: 0, totalTokens: tokens });
      assert.deepEqual(results.get("one")!.response!.embeddings, [emulatedVector(corpus[0]!, 4)]);
      const meta = JSON.parse((await storage.read(`generated/openai/batch_${batchId}_meta.json`))!) as { summary: { endpoint: string } };
      assert.equal(meta.summary.endpoint, "embeddings", "the transparency files record the endpoint");
    } finally {
      await server.close();
    }
  });

  test("an answer with another count of vectors than inputs is an error, not a short success", async () => {
    const emulator = new OpenAIEmulator({ apiKey: KEY, validateBody: openAIBodyCheck });
    const storage = new MemoryStorage();
    const provider = new OpenAIProvider({ apiKey: KEY, baseUrl: "http://127.0.0.1:9/v1", fetch: emulator.fetch, storage });
    const requests: UnifiedRequest[] = [
      { customId: "short", model: "text-embedding-3-small", input: ["p", "q", "r"] },
      { customId: "long", model: "text-embedding-3-small", input: ["p", "q"] },
      { customId: "unindexed", model: "text-embedding-3-small", input: ["p", "q"] },
      { customId: "whole", model: "text-embedding-3-small", input: ["p", "q"] },
    ];
    const batchId = await provider.sendBatch({ provider: "openai", endpoint: "embeddings", requests });
    await waitUntilComplete(provider, batchId);
    // The emulator's answers, edited as a faulty provider would write them.
    const outputFileId = emulator.batches.get(batchId)!.object.output_file_id as string;
    const lines = emulator.files.get(outputFileId)!.content.trim().split("\n").map((line) => JSON.parse(line));
    for (const line of lines) {
      const data = line.response.body.data as { index?: number; embedding: number[] }[];
      if (line.custom_id === "short") line.response.body.data = data.filter((item) => item.index !== 2);
      if (line.custom_id === "long") data.push({ index: 2, embedding: [1] });
      // Listed in reverse without indexes: the count matches, so array order is taken as input order.
      if (line.custom_id === "unindexed") line.response.body.data = [...data].sort((a, b) => a.index! - b.index!).map(({ embedding }) => ({ object: "embedding", embedding }));
    }
    emulator.setFileContent(outputFileId, lines.map((line) => JSON.stringify(line)).join("\n") + "\n");

    const results = byId(await collect(provider.getResults(batchId)));
    for (const [id, count] of [["short", 2], ["long", 3]] as const) {
      const result = results.get(id)!;
      assert.equal(result.status, "errored", id);
      assert.equal(result.response, undefined, "no vector is handed out");
      assert.equal(result.error!.code, "embeddings_count_mismatch");
      assert.equal(result.error!.retryable, true);
      assert.match(result.error!.message, new RegExp(`^${count} vectors for ${count === 2 ? 3 : 2} inputs`));
    }
    assert.deepEqual(results.get("unindexed")!.response!.embeddings, [emulatedVector("p", 4), emulatedVector("q", 4)]);
    assert.deepEqual(results.get("whole")!.response!.embeddings, [emulatedVector("p", 4), emulatedVector("q", 4)]);

    // Without the sender's summary the counts are unknown: vectors without an index are refused.
    const fresh = byId(await collect(new OpenAIProvider({ apiKey: KEY, baseUrl: "http://127.0.0.1:9/v1", fetch: emulator.fetch, storage: false }).getResults(batchId)));
    assert.equal(fresh.get("unindexed")!.error!.code, "invalid_embeddings_body");
    assert.match(fresh.get("unindexed")!.error!.message, /no `index`/);
    assert.equal(fresh.get("whole")!.status, "succeeded");
  });

  test("Mistral: embeddings lines valid against BatchRequest and EmbeddingRequest", async () => {
    const harness = await startMistral({ validateEmbeddingsBody: specValidator("mistral", "EmbeddingRequest") });
    try {
      // Every EmbeddingRequest key Mistral's spec has reaches the line (and the line stays valid).
      const providerKwargs = { output_dtype: "float", encoding_format: "float", metadata: { source: "corpus" } };
      const requests: UnifiedRequest[] = corpus.map((text, index) => ({ customId: `doc-${index}`, model: "mistral-embed", input: [text], dimensions: 5, providerKwargs }));
      const batchId = await harness.provider.sendBatch({ provider: "mistral", endpoint: "embeddings", requests });
      await waitUntilComplete(harness.provider, batchId);
      const results = byId(await collect(harness.provider.getResults(batchId)));
      assert.deepEqual(harness.emulator.violations, []);
      const sent = [...harness.emulator.jobs.values()].flatMap((job) => job.requests).map((request) => request.body as Record<string, unknown>);
      assert.equal(sent.length, corpus.length);
      for (const body of sent) assert.deepEqual([body.output_dtype, body.encoding_format, body.metadata, body.output_dimension], ["float", "float", { source: "corpus" }, 5]);
      for (const [index, text] of corpus.entries()) {
        const result = results.get(`doc-${index}`)!;
        assert.equal(result.status, "succeeded", JSON.stringify(result.error));
        assert.deepEqual(result.response!.embeddings, [emulatedVector(text, 5)]);
      }
    } finally {
      await harness.server.close();
    }
  });

  for (const route of ["file", "inline"] as const) {
    test(`Gemini (${route} route): asyncBatchEmbedContent, each line valid, one vector per request`, async () => {
      const emulator = new GeminiEmulator({
        apiKey: KEY,
        validators: {
          embedCreateBody: geminiValidator("AsyncBatchEmbedContentRequest"),
          inlinedEmbedRequest: geminiValidator("InlinedEmbedContentRequest"),
          embedContentRequest: geminiValidator("EmbedContentRequest"),
        },
      });
      const server = await serve(emulator.fetch);
      try {
        const provider = new GoogleProvider({ apiKey: KEY, baseUrl: server.url, storage: false, route });
        const requests: UnifiedRequest[] = corpus.map((text, index) => ({
          customId: `doc-${index}`,
          model: "gemini-embedding-001",
          input: text,
          dimensions: 3,
          taskType: "retrieval_document",
        }));
        const batchId = await provider.sendBatch({ provider: "google", endpoint: "embeddings", requests });
        await waitUntilComplete(provider, batchId);
        const results = byId(await collect(provider.getResults(batchId)));
        assert.deepEqual(emulator.violations, []);
        assert.ok(emulator.received.some((request) => request.url.endsWith(":asyncBatchEmbedContent")));
        for (const [index, text] of corpus.entries()) {
          const response = results.get(`doc-${index}`)!.response!;
          assert.deepEqual(response.embeddings, [emulatedVector(text, 3)]);
          assert.equal(response.usage, undefined, "Gemini reports no embedding usage");
        }
      } finally {
        await server.close();
      }
    });
  }

  for (const route of ["file", "inline"] as const) {
    test(`Gemini (${route} route): a request of several texts goes out one text a line and comes back as one result`, async () => {
      const emulator = new GeminiEmulator({
        apiKey: KEY,
        shuffleResponses: true,
        validators: {
          embedCreateBody: geminiValidator("AsyncBatchEmbedContentRequest"),
          inlinedEmbedRequest: geminiValidator("InlinedEmbedContentRequest"),
          embedContentRequest: geminiValidator("EmbedContentRequest"),
        },
      });
      const server = await serve(emulator.fetch);
      try {
        const provider = new GoogleProvider({ apiKey: KEY, baseUrl: server.url, storage: false, route });
        const requests: UnifiedRequest[] = [
          { customId: "many", model: "gemini-embedding-001", input: corpus, dimensions: 3, providerKwargs: { title: "Corpus" } },
          { customId: "one", model: "gemini-embedding-001", input: "alone", dimensions: 3 },
          { customId: "partly", model: "gemini-embedding-001", input: ["fine", "FAIL_INVALID_ARGUMENT", "fine too"], dimensions: 3 },
        ];
        const batchId = await provider.sendBatch({ provider: "google", endpoint: "embeddings", requests });
        await waitUntilComplete(provider, batchId);
        const results = await collect(provider.getResults(batchId));
        assert.deepEqual(emulator.violations, []);
        assert.deepEqual(results.map((result) => result.customId).sort(), ["many", "one", "partly"], "one result per request");
        const byCustomId = byId(results);
        assert.deepEqual(byCustomId.get("many")!.response!.embeddings, corpus.map((text) => emulatedVector(text, 3)));
        assert.deepEqual(byCustomId.get("one")!.response!.embeddings, [emulatedVector("alone", 3)]);
        const partly = byCustomId.get("partly")!;
        assert.equal(partly.status, "errored");
        assert.equal(partly.response, undefined, "no vectors are handed out for a partly failed request");
        assert.match(partly.error!.message, /input\(s\) 1 failed/);
        // The title went to every line of the fanned-out request.
        const sent = emulator.received.map((request) => request.bodyText).join("\n");
        assert.equal(sent.split('"title":"Corpus"').length - 1, corpus.length, sent.slice(0, 400));
      } finally {
        await server.close();
      }
    });
  }

  test("Gemini's own task-type names are the unified ones; other names are refused naming request, field and the names", async () => {
    const jsonl = (requests: UnifiedRequest[]) => requests.map((request) => JSON.stringify(request)).join("\n");
    const request = (taskType: UnifiedRequest["taskType"]): UnifiedRequest => ({ customId: "q", model: "gemini-embedding-001", input: "alpha", taskType });
    const unified = await dryRun("google", jsonl([request("retrieval_query")]), { name: "task-type", endpoint: "embeddings" });
    const gemini = await dryRun("google", jsonl([request("RETRIEVAL_QUERY")]), { name: "task-type", endpoint: "embeddings" });
    assert.equal(gemini.providerJsonl, unified.providerJsonl);
    assert.equal(JSON.parse(gemini.providerJsonl).request.taskType, "RETRIEVAL_QUERY");
    const wrong = JSON.stringify({ ...request("retrieval_query"), taskType: "Retrieval_Query" });
    await assert.rejects(dryRun("google", wrong, { name: "task-type", endpoint: "embeddings" }), (error: unknown) => {
      assert.ok(error instanceof ValidationError, String(error));
      assert.deepEqual([error.index, error.customId, error.field], [0, "q", "taskType"]);
      assert.match(error.message, /unknown value `Retrieval_Query`, expected one of `retrieval_query`.*`RETRIEVAL_QUERY`/);
      return true;
    });
  });

  test("estimates follow the batch's endpoint: embedding texts are input tokens, with no output", () => {
    const batch = { provider: "google", endpoint: "embeddings" as const, requests: [{ customId: "c", model: "gemini-embedding-001", input: corpus }] };
    const library = estimateBatch(batch);
    const router = new BatchRouter({ providers: { google: { apiKey: KEY, baseUrl: "http://127.0.0.1:9" } }, storage: new MemoryStorage() }).estimate(batch);
    for (const estimate of [library, router]) {
      assert.ok(estimate.inputTokens >= corpus.length * 5, JSON.stringify(estimate));
      assert.deepEqual([estimate.maxOutputTokens, estimate.unboundedRequests, estimate.unpricedModels], [0, 0, []]);
      // gemini-embedding-001's published batch price: $0.075 per million input tokens.
      assert.ok(Math.abs(estimate.maxCostUsd! - (estimate.inputTokens * 0.075) / 1e6) < 1e-12);
    }
    assert.deepEqual(router, library);
  });

  test("providers without the endpoint refuse it before anything is sent", async () => {
    const emulator = new OpenAIEmulator({ apiKey: KEY });
    const server = await serve(emulator.fetch);
    try {
      const router = new BatchRouter({
        providers: { anthropic: { apiKey: KEY, baseUrl: server.url }, groq: { apiKey: KEY, baseUrl: server.url + "/v1" } },
        storage: new MemoryStorage(),
      });
      for (const [provider, endpoint] of [["anthropic", "embeddings"], ["groq", "responses"], ["anthropic", "responses"]] as const) {
        const requests: UnifiedRequest[] = [{ customId: "a", model: "m", input: "x" }];
        await assert.rejects(router.sendBatch({ provider, endpoint, requests }), (error: unknown) => {
          assert.ok(error instanceof ValidationError, String(error));
          assert.equal(error.field, "endpoint");
          assert.match(error.message, new RegExp(endpoint));
          return true;
        });
        assert.throws(() => router.plan({ provider, endpoint, requests }), ValidationError);
      }
      // A value that is no endpoint at all is named the same way (not a deserialisation message).
      const chat: UnifiedRequest[] = [{ customId: "a", model: "gpt-4o-mini", messages: [{ role: "user", content: "x" }] }];
      const bogus = "bogus" as unknown as "chat";
      const isEndpointError = (error: unknown) => error instanceof ValidationError && error.field === "endpoint" && /bogus/.test(error.message);
      await assert.rejects(new OpenAIProvider({ apiKey: KEY, baseUrl: server.url + "/v1", storage: false }).sendBatch({ provider: "openai", endpoint: bogus, requests: chat }), isEndpointError);
      assert.throws(() => router.plan({ provider: "groq", endpoint: bogus, requests: chat }), isEndpointError);
      assert.equal(emulator.received.length, 0);
    } finally {
      await server.close();
    }
  });

  test("a job larger than one OpenAI batch by inputs splits, resumes in a new router and merges", async () => {
    const emulator = new OpenAIEmulator({ apiKey: KEY, validateBody: openAIBodyCheck });
    const storage = new MemoryStorage();
    const routerOptions = {
      providers: { openai: { apiKey: KEY, baseUrl: "http://127.0.0.1:9/v1", fetch: emulator.fetch } },
      storage,
      pollInterval: 0,
      maxPollInterval: 1,
    };
    // 26 requests of 2,000 short inputs: 52,000 inputs in 26 lines, over OpenAI's 50,000 per batch.
    const texts = Array.from({ length: 2_000 }, (_, index) => `t${index}`);
    const requests: UnifiedRequest[] = Array.from({ length: 26 }, (_, index) => ({ customId: `r${index}`, model: "text-embedding-3-small", input: texts }));
    const batch = { provider: "openai", endpoint: "embeddings" as const, requests };
    const plan = new BatchRouter(routerOptions).plan(batch);
    assert.deepEqual(plan.chunks.map((chunk) => chunk.requestCount), [25, 1]);
    assert.equal(plan.limits.maxEmbeddingInputs, 50_000);

    const jobId = await new BatchRouter(routerOptions).submitJob(batch, { jobId: "embeddings-job" });
    const resumed = new BatchRouter(routerOptions);
    const summary = await resumed.resumeJob(jobId);
    assert.deepEqual([summary.state, summary.total, summary.succeeded, summary.batches], ["completed", 26, 26, 2]);
    const merged = await collect(resumed.getJobResults(jobId));
    assert.deepEqual(merged.map((result) => result.customId), requests.map((request) => request.customId));
    for (const result of merged) {
      const embeddings = result.response!.embeddings!;
      assert.equal(embeddings.length, 2_000);
      assert.deepEqual(embeddings[1_999], emulatedVector("t1999", 4));
    }
    const creates = emulator.received.filter((request) => request.method === "POST" && request.path === "/v1/batches");
    assert.equal(creates.length, 2);
    for (const create of creates) assert.equal(JSON.parse(create.bodyText).endpoint, "/v1/embeddings");
  });

  test("a Gemini job of several-text requests splits, resumes in a new router and merges one result per request", async () => {
    const emulator = new GeminiEmulator({
      apiKey: KEY,
      shuffleResponses: true,
      validators: { embedCreateBody: geminiValidator("AsyncBatchEmbedContentRequest"), embedContentRequest: geminiValidator("EmbedContentRequest") },
    });
    const server = await serve(emulator.fetch);
    try {
      const routerOptions = { providers: { google: { apiKey: KEY, baseUrl: server.url } }, storage: new MemoryStorage(), pollInterval: 0, maxPollInterval: 1 };
      const requests: UnifiedRequest[] = Array.from({ length: 5 }, (_, index) => ({
        customId: `r${index}`,
        model: "gemini-embedding-001",
        input: Array.from({ length: index + 1 }, (_, position) => `text ${index}.${position}`),
        dimensions: 3,
      }));
      const batch = { provider: "google", endpoint: "embeddings" as const, requests };
      const jobOptions = { jobId: "gemini-embeddings-job", plan: { maxRequestsPerBatch: 3 } };
      const jobId = await new BatchRouter(routerOptions).submitJob(batch, jobOptions);
      const resumed = new BatchRouter(routerOptions);
      const summary = await resumed.resumeJob(jobId);
      assert.deepEqual([summary.state, summary.total, summary.succeeded, summary.batches], ["completed", 5, 5, 2]);
      assert.deepEqual(emulator.violations, []);
      // Results come in the provider's order (shuffled here): one per request, each with its own vectors.
      const results = await collect(resumed.getJobResults(jobId));
      assert.equal(results.length, requests.length, "one result per request, none per line");
      const merged = byId(results);
      assert.deepEqual([...merged.keys()].sort(), requests.map((request) => request.customId));
      for (const request of requests) {
        const texts = request.input as string[];
        assert.deepEqual(merged.get(request.customId)!.response!.embeddings, texts.map((text) => emulatedVector(text, 3)), request.customId);
      }
    } finally {
      await server.close();
    }
  });
});
