/**
 * Every credential a provider is configured with stays out of what its answers give back: the API
 * key and Azure's Entra token, echoed in an error body or in a header a `ProviderError` reads
 * (`x-request-id`, `request-id`), are `[redacted]` in the message, the body and the request id.
 */
import assert from "node:assert/strict";
import { test } from "node:test";

import { AnthropicProvider, AzureOpenAIProvider, OpenAIProvider, ProviderError } from "batch-router";

/** A provider answer of `status` whose body and headers echo every one of `secrets`. */
function echoing(status: number, secrets: string[], header = "x-request-id"): (request: Request) => Promise<Response> {
  return async () =>
    new Response(JSON.stringify({ error: { message: `Access denied for credential ${secrets.join(" and ")}`, type: "invalid_request_error" } }), {
      status,
      headers: { "content-type": "application/json", [header]: `req_${secrets.join("_")}` },
    });
}

async function providerError(call: Promise<unknown>): Promise<ProviderError> {
  const error = await call.then(
    () => assert.fail("the call should fail"),
    (thrown: unknown) => thrown,
  );
  assert.ok(error instanceof ProviderError, String(error));
  return error;
}

function assertClean(error: ProviderError, secrets: string[]): void {
  for (const text of [error.message, JSON.stringify(error.body), error.requestId ?? ""]) {
    for (const secret of secrets) assert.ok(!text.includes(secret), `${secret} in ${text}`);
  }
  assert.match(error.message, /\[redacted\]/);
  assert.match(error.requestId ?? "", /\[redacted\]/);
}

test("azure: an echoed Entra token is redacted like a key, in the body and the request id", async () => {
  const token = "fake-entra-token-0123456789";
  const provider = new AzureOpenAIProvider({ endpoint: "https://example.openai.azure.com", entraToken: token, storage: false, fetch: echoing(401, [token]) });
  assertClean(await providerError(provider.getStatus("batch_1")), [token]);
});

test("azure: a key and a token given together are both redacted", async () => {
  const key = "fake-azure-key-0123456789abcdef";
  const token = "fake-entra-token-abcdef0123";
  const provider = new AzureOpenAIProvider({ endpoint: "https://example.openai.azure.com", apiKey: key, entraToken: token, storage: false, fetch: echoing(403, [key, token]) });
  assertClean(await providerError(provider.getStatus("batch_1")), [key, token]);
});

test("openai and anthropic: a key echoed in the request id header is redacted", async () => {
  const key = "fake-openai-key-0123456789abcdef";
  const openai = new OpenAIProvider({ apiKey: key, storage: false, fetch: echoing(401, [key]) });
  assertClean(await providerError(openai.getStatus("batch_1")), [key]);
  const anthropic = new AnthropicProvider({ apiKey: key, storage: false, fetch: echoing(401, [key], "request-id") });
  assertClean(await providerError(anthropic.getStatus("msgbatch_1")), [key]);
});

test("a successful answer whose header echoes the key is still read whole (its headers rewritten, its body passed on)", async () => {
  const key = "fake-openai-key-0123456789abcdef";
  const provider = new OpenAIProvider({
    apiKey: key,
    storage: false,
    fetch: async () =>
      new Response(
        JSON.stringify({ id: "batch_1", object: "batch", endpoint: "/v1/chat/completions", input_file_id: "file-1", completion_window: "24h", status: "in_progress", created_at: 1711471533, request_counts: { total: 2, completed: 1, failed: 0 } }),
        { status: 200, headers: { "content-type": "application/json", "x-request-id": `req_${key}` } },
      ),
  });
  const status = await provider.getStatus("batch_1");
  assert.equal(status.status, "in_progress");
  assert.equal(status.requestCounts.total, 2);
  assert.equal(status.requestCounts.succeeded, 1);
  assert.ok(!JSON.stringify(status).includes(key));
});
