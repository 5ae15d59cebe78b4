/**
 * AzureOpenAIProvider end to end against the Azure OpenAI emulator (endpoints-and-push.md §5.1).
 * Azure publishes no OpenAPI document in ../shared/specs; it serves OpenAI's models with OpenAI's
 * request schema, so every line is checked against OpenAI's CreateChatCompletionRequest. Its create
 * body differs from OpenAI's schema (`endpoint: "/chat/completions"`), so that body is checked
 * against the reference's shape instead.
 */
import assert from "node:assert/strict";
import { test } from "node:test";

import { AzureOpenAIProvider, ConfigurationError, ValidationError } from "batch-router";

import { azureOpenAIEmulator } from "../emulators/azure-openai-emulator.js";
import { collect, waitUntilComplete } from "../support/batches.js";
import { describeProtocolSuite } from "../support/openai-protocol-suite.js";
import { openAIRequests, textRequest } from "../support/requests.js";
import { serve } from "../support/serve.js";
import { specValidator } from "../support/spec-validator.js";

const API_KEY = "fake-azure-emulator-key-0123456789";
const DEPLOYMENT = "gpt-4o-mini-batch";
const validateBody = specValidator("openai", "CreateChatCompletionRequest");

describeProtocolSuite({
  name: "azure",
  apiKey: API_KEY,
  emulator: (options) => azureOpenAIEmulator(options),
  provider: (origin, options) => new AzureOpenAIProvider({ apiKey: API_KEY, endpoint: origin, ...options }),
  pathPrefix: "/openai/v1",
  credential: ["api-key", API_KEY],
  requests: openAIRequests(DEPLOYMENT),
  model: DEPLOYMENT,
  validateBody,
});

/** The create body's shape in the reference (§5.1 [AZ-BATCH-REST]): errors, empty when it matches. */
function checkAzureCreateBody(body: Record<string, unknown>): string[] {
  const errors: string[] = [];
  if (typeof body.input_file_id !== "string") errors.push("input_file_id must be a string");
  if (body.endpoint !== "/chat/completions") errors.push(`endpoint must be "/chat/completions", not ${JSON.stringify(body.endpoint)}`);
  if (body.completion_window !== "24h") errors.push("completion_window must be 24h (any other window fails the job)");
  for (const key of Object.keys(body)) {
    if (!["input_file_id", "endpoint", "completion_window", "metadata", "output_expires_after"].includes(key)) errors.push(`unknown field ${key}`);
  }
  return errors;
}

test("azure: a dated API version goes on every call, an Entra token replaces the key, the create body has Azure's shape", async () => {
  const emulator = azureOpenAIEmulator({ apiKey: "not-this-one", entraToken: "entra-token-xyz", apiVersion: "2024-10-21", validateBody });
  const server = await serve(emulator.fetch);
  try {
    const provider = new AzureOpenAIProvider({ endpoint: server.url, apiVersion: "2024-10-21", entraToken: "entra-token-xyz", apiKey: "", storage: false });
    const batchId = await provider.sendBatch({ provider: "azure", requests: [textRequest("a", "x", DEPLOYMENT)] });
    const status = await waitUntilComplete(provider, batchId);
    assert.equal(status.status, "completed");
    assert.equal(status.rawStatus, "Completed");
    assert.equal((await collect(provider.getResults(batchId)))[0]?.response?.text, "echo: x");
    assert.ok(emulator.received.length >= 4);
    for (const request of emulator.received) {
      assert.match(request.path, /^\/openai\/(files|batches)[^?]*\?api-version=2024-10-21$/);
      assert.equal(request.headers.authorization, "Bearer entra-token-xyz");
      assert.equal(request.headers["api-key"], undefined);
    }
    const create = JSON.parse(emulator.received.find((request) => request.method === "POST" && request.path.startsWith("/openai/batches"))!.bodyText);
    assert.deepEqual(checkAzureCreateBody(create), []);
    // Canaries: the shape check bites.
    assert.notDeepEqual(checkAzureCreateBody({ ...create, endpoint: "/v1/chat/completions" }), []);
    assert.notDeepEqual(checkAzureCreateBody({ ...create, completion_window: "48h" }), []);
  } finally {
    await server.close();
  }
});

test("azure: one deployment per batch, the endpoint is required, the key comes from AZURE_OPENAI_API_KEY", () => {
  const provider = new AzureOpenAIProvider({ apiKey: API_KEY, endpoint: "https://resource.openai.azure.com", storage: false });
  assert.throws(
    () => provider.prepareBatch([textRequest("a", "x", "deployment-1"), textRequest("b", "y", "deployment-2")]),
    (error: unknown) => error instanceof ValidationError && /model/.test(error.message),
  );
  const saved = { key: process.env.AZURE_OPENAI_API_KEY, endpoint: process.env.AZURE_OPENAI_ENDPOINT };
  delete process.env.AZURE_OPENAI_API_KEY;
  delete process.env.AZURE_OPENAI_ENDPOINT;
  try {
    assert.throws(() => new AzureOpenAIProvider({ apiKey: API_KEY }), (error: unknown) => error instanceof ConfigurationError && /AZURE_OPENAI_ENDPOINT/.test(error.message));
    assert.throws(
      () => new AzureOpenAIProvider({ endpoint: "https://resource.openai.azure.com" }),
      (error: unknown) => error instanceof ConfigurationError && /AZURE_OPENAI_API_KEY/.test(error.message),
    );
    process.env.AZURE_OPENAI_API_KEY = "from-environment";
    process.env.AZURE_OPENAI_ENDPOINT = "https://resource.openai.azure.com";
    assert.equal(new AzureOpenAIProvider({ storage: false }).name, "azure");
  } finally {
    for (const [name, value] of [["AZURE_OPENAI_API_KEY", saved.key], ["AZURE_OPENAI_ENDPOINT", saved.endpoint]] as const) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  }
});
