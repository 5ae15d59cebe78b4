/**
 * TogetherProvider end to end against the Together AI emulator (endpoints-and-push.md §5.4;
 * Together's OpenAPI document for the upload, create and error shapes). Together's OpenAPI
 * document is not among ../shared/specs, so: every line is checked against OpenAI's
 * CreateChatCompletionRequest (Together's lines are OpenAI-style, §5.4), the create body against
 * the fields of Together's `CreateBatchRequest` (the emulator refuses any other field), and the
 * upload form against `POST /files/upload` (purpose `batch-api`, `file_name` required).
 */
import assert from "node:assert/strict";
import { test } from "node:test";

import { ConfigurationError, TogetherProvider, ValidationError } from "batch-router";

import { togetherEmulator } from "../emulators/together-emulator.js";
import { describeProtocolSuite } from "../support/openai-protocol-suite.js";
import { openAIRequests, textRequest } from "../support/requests.js";
import { collect, waitUntilComplete } from "../support/batches.js";
import { serve } from "../support/serve.js";
import { specValidator } from "../support/spec-validator.js";

const API_KEY = "fake-together-emulator-key-0123456789";
const MODEL = "meta-llama/Llama-3.3-70B-Instruct-Turbo";
const validateBody = specValidator("openai", "CreateChatCompletionRequest");
/** Together takes no document parts (limits.rs), so its suite leaves the PDF request out. */
const requests = openAIRequests(MODEL).filter((request) => !JSON.stringify(request).includes('"document"'));

describeProtocolSuite({
  name: "together",
  apiKey: API_KEY,
  emulator: (options) => togetherEmulator(options),
  provider: (origin, options) => new TogetherProvider({ apiKey: API_KEY, baseUrl: `${origin}/v1`, ...options }),
  pathPrefix: "/v1",
  credential: ["authorization", `Bearer ${API_KEY}`],
  requests,
  model: MODEL,
  validateBody,
  reportsCounts: false,
  keepsMetadata: false,
  pagedList: false,
  uploadPath: "/files/upload",
  // Together takes topK; a temperature over 2 is refused instead.
  refused: { generationConfig: { temperature: 2.5 }, field: "generationConfig.temperature" },
});

test("together: upload form, create body and statuses are Together's; top_k is sent; the canary bites", async () => {
  const emulator = togetherEmulator({ apiKey: API_KEY, validateBody });
  const server = await serve(emulator.fetch);
  try {
    const provider = new TogetherProvider({ apiKey: API_KEY, baseUrl: `${server.url}/v1`, storage: false });
    const request = { ...textRequest("k", "x", MODEL), generationConfig: { topK: 20 } };
    const batchId = await provider.sendBatch({ provider: "together", requests: [request], metadata: { job: "j" } });
    assert.match(batchId, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    const upload = emulator.received.find((received) => received.path === "/v1/files/upload")!;
    assert.match(upload.bodyText, /name="purpose"\r\n\r\nbatch-api\r\n/);
    assert.match(upload.bodyText, /name="file_name"\r\n\r\nbatch_input\.jsonl\r\n/);
    const line = JSON.parse(upload.bodyText.split("\r\n").find((text) => text.startsWith('{"custom_id"'))!);
    assert.equal(line.body.top_k, 20);
    const create = emulator.received.find((received) => received.method === "POST" && received.path === "/v1/batches")!;
    // Metadata is not sent: Together's CreateBatchRequest has no such field (the emulator refuses unknown fields).
    assert.deepEqual(JSON.parse(create.bodyText), { input_file_id: JSON.parse(create.bodyText).input_file_id, endpoint: "/v1/chat/completions", completion_window: "24h" });
    const status = await provider.getStatus(batchId);
    assert.equal(status.rawStatus, "IN_PROGRESS");
    assert.equal(status.status, "in_progress");
    assert.equal(status.model, MODEL);
    // The emulator's own check refuses a wrong purpose and unknown create fields (canaries).
    const form = new FormData();
    form.set("purpose", "batch");
    form.set("file_name", "x.jsonl");
    form.set("file", new Blob(["{}\n"]), "x.jsonl");
    const wrongPurpose = await fetch(`${server.url}/v1/files/upload`, { method: "POST", headers: { authorization: `Bearer ${API_KEY}` }, body: form });
    assert.equal(wrongPurpose.status, 400);
    assert.deepEqual(await wrongPurpose.json(), { error: "'purpose' must be 'batch-api'." });
    const withMetadata = await fetch(`${server.url}/v1/batches`, {
      method: "POST",
      headers: { authorization: `Bearer ${API_KEY}`, "content-type": "application/json" },
      body: JSON.stringify({ input_file_id: "file-000001", endpoint: "/v1/chat/completions", metadata: { job: "j" } }),
    });
    assert.equal(withMetadata.status, 400);
  } finally {
    await server.close();
  }
});

test("together: the default base URL is Together's, documents are refused with a named field, a missing key names TOGETHER_API_KEY", async () => {
  const calls: string[] = [];
  const provider = new TogetherProvider({
    apiKey: API_KEY,
    storage: false,
    fetch: async (request) => {
      calls.push(request.url);
      return new Response(JSON.stringify({ error: "batch not found" }), { status: 404 });
    },
  });
  await assert.rejects(provider.getStatus("01234567-8901-4345-8789-000000000001"));
  assert.deepEqual(calls, ["https://api.together.ai/v1/batches/01234567-8901-4345-8789-000000000001"]);
  const pdf = openAIRequests().find((request) => JSON.stringify(request).includes('"document"'))!;
  assert.throws(
    () => provider.prepareBatch([textRequest("ok", "x"), pdf]),
    (error: unknown) => error instanceof ValidationError && error.index === 1 && error.customId === pdf.customId && /^messages\[0\]\.content/.test(error.field ?? "") && /Together AI does not accept documents/.test(error.message),
  );
  const saved = process.env.TOGETHER_API_KEY;
  delete process.env.TOGETHER_API_KEY;
  try {
    assert.throws(() => new TogetherProvider(), (error: unknown) => error instanceof ConfigurationError && /TOGETHER_API_KEY/.test(error.message));
  } finally {
    if (saved !== undefined) process.env.TOGETHER_API_KEY = saved;
  }
});

test("together: where /files/upload is not there, the SDK's signed-URL route uploads (302, PUT without the key, preprocess)", async () => {
  const emulator = togetherEmulator({ apiKey: API_KEY, validateBody, signedUpload: true });
  const server = await serve(emulator.fetch);
  try {
    const provider = new TogetherProvider({ apiKey: API_KEY, baseUrl: `${server.url}/v1`, storage: false });
    const requests = [textRequest("s1", "one", MODEL), textRequest("s2", "two", MODEL)];
    const batchId = await provider.sendBatch({ provider: "together", requests });
    assert.deepEqual(
      emulator.received.slice(0, 4).map((request) => `${request.method} ${request.path.split("?")[0]}`),
      ["POST /v1/files", "PUT /signed/file-signed-1", "POST /v1/files/file-signed-1/preprocess", "POST /v1/batches"],
    );
    assert.equal(emulator.received[1]!.headers.authorization, undefined, "the signed URL gets no key");
    const status = await waitUntilComplete(provider, batchId);
    assert.equal(status.status, "completed");
    const results = await collect(provider.getResults(batchId));
    assert.deepEqual(results.map((result) => [result.customId, result.response?.text]).sort(), [["s1", "echo: one"], ["s2", "echo: two"]]);
  } finally {
    await server.close();
  }
});
