/**
 * GroqProvider end to end against the Groq emulator (endpoints-and-push.md §5.3). Groq publishes no
 * OpenAPI document in ../shared/specs; the reference says its shapes are OpenAI's, so every line is
 * checked against OpenAI's CreateChatCompletionRequest and the create body against OpenAI's
 * CreateBatchRequest (the fields Groq's SDK types, §5.3 [GROQ-SDK]).
 */
import assert from "node:assert/strict";
import { test } from "node:test";

import { ConfigurationError, GroqProvider, ValidationError } from "batch-router";

import { groqEmulator } from "../emulators/groq-emulator.js";
import { describeProtocolSuite } from "../support/openai-protocol-suite.js";
import { openAIRequests, textRequest } from "../support/requests.js";
import { serve } from "../support/serve.js";
import { specValidator } from "../support/spec-validator.js";

const API_KEY = "fake-groq-emulator-key-0123456789";
const validateBody = specValidator("openai", "CreateChatCompletionRequest");
const validateCreate = specValidator("openai", "CreateBatchRequest");
/** Groq takes no document parts (limits.rs), so its suite leaves the PDF request out. */
const requests = openAIRequests("llama-3.1-8b-instant").filter((request) => !JSON.stringify(request).includes('"document"'));

describeProtocolSuite({
  name: "groq",
  apiKey: API_KEY,
  emulator: (options) => groqEmulator(options),
  provider: (origin, options) => new GroqProvider({ apiKey: API_KEY, baseUrl: `${origin}/openai/v1`, ...options }),
  pathPrefix: "/openai/v1",
  credential: ["authorization", `Bearer ${API_KEY}`],
  requests,
  model: "llama-3.1-8b-instant",
  validateBody,
});

test("groq: the create body is OpenAI's CreateBatchRequest, and the canary proves the check bites", async () => {
  const emulator = groqEmulator({ apiKey: API_KEY, validateBody });
  const server = await serve(emulator.fetch);
  try {
    const provider = new GroqProvider({ apiKey: API_KEY, baseUrl: `${server.url}/openai/v1`, storage: false });
    await provider.sendBatch({ provider: "groq", requests: [textRequest("a", "x", "llama-3.1-8b-instant")], metadata: { job: "j" } });
    const create = emulator.received.find((request) => request.method === "POST" && request.path === "/openai/v1/batches")!;
    const body = JSON.parse(create.bodyText);
    assert.deepEqual(body, { input_file_id: body.input_file_id, endpoint: "/v1/chat/completions", completion_window: "24h", metadata: { job: "j" } });
    assert.deepEqual(validateCreate(body), []);
    assert.notDeepEqual(validateCreate({ ...body, endpoint: "/openai/v1/chat/completions" }), []);
    assert.notDeepEqual(validateCreate({ endpoint: body.endpoint, completion_window: "24h" }), []);
  } finally {
    await server.close();
  }
});

test("groq: the default base URL is Groq's, documents are refused with a named field, a missing key names GROQ_API_KEY", async () => {
  const calls: string[] = [];
  const provider = new GroqProvider({
    apiKey: API_KEY,
    storage: false,
    fetch: async (request) => {
      calls.push(request.url);
      return new Response(JSON.stringify({ error: { message: "no" } }), { status: 404 });
    },
  });
  await assert.rejects(provider.getStatus("batch_1"));
  assert.deepEqual(calls, ["https://api.groq.com/openai/v1/batches/batch_1"]);
  const pdf = openAIRequests().find((request) => JSON.stringify(request).includes('"document"'))!;
  assert.throws(
    () => provider.prepareBatch([textRequest("ok", "x"), pdf]),
    (error: unknown) => error instanceof ValidationError && error.index === 1 && error.customId === pdf.customId && /^messages\[0\]\.content/.test(error.field ?? "") && /Groq does not accept documents/.test(error.message),
  );
  const saved = process.env.GROQ_API_KEY;
  delete process.env.GROQ_API_KEY;
  try {
    assert.throws(() => new GroqProvider(), (error: unknown) => error instanceof ConfigurationError && /GROQ_API_KEY/.test(error.message));
  } finally {
    if (saved !== undefined) process.env.GROQ_API_KEY = saved;
  }
});
