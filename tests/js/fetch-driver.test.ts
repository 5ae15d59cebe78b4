/**
 * The fetch driver (issue 18: the HTTP loops moved from the wasm glue to `provider-client.ts` and
 * `http-exchange.ts`): what a caller's `fetch` sees, and how each way a fetch can fail becomes the
 * package's error, as the Rust driver made them.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { AbortError, ConnectionError, OpenAIProvider, ProviderError } from "batch-router";

import { openaiBatch } from "../support/output-file.js";

const API_KEY = "fake-fetch-driver-0123456789abcdef";

function json(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });
}

function provider(fetch: (request: Request) => Promise<Response>): OpenAIProvider {
  return new OpenAIProvider({ apiKey: API_KEY, storage: false, fetch });
}

describe("the fetch driver", () => {
  test("each request is sent as the core describes it: method, URL, key header; a status read is a GET without a body", async () => {
    const seen: Request[] = [];
    const status = await provider(async (request) => {
      seen.push(request);
      return json(openaiBatch("batch_driver"));
    }).getStatus("batch_driver");
    assert.equal(status.batchId, "batch_driver");
    assert.equal(seen.length, 1);
    assert.equal(seen[0]!.method, "GET");
    assert.equal(seen[0]!.url, "https://api.openai.com/v1/batches/batch_driver");
    assert.equal(seen[0]!.headers.get("authorization"), `Bearer ${API_KEY}`);
    assert.equal(seen[0]!.body, null);
  });

  test("cancelling a batch that has ended reads its status only: no cancel call is sent", async () => {
    const methods: string[] = [];
    const cancelled = await provider(async (request) => {
      methods.push(`${request.method} ${new URL(request.url).pathname}`);
      return json(openaiBatch("batch_ended"));
    }).cancelBatch("batch_ended");
    assert.equal(cancelled, false);
    assert.deepEqual(methods, ["GET /v1/batches/batch_ended"]);
  });

  test("an answer whose body starts with a byte-order mark is read as Response.text() reads it", async () => {
    const bytes = new TextEncoder().encode(JSON.stringify(openaiBatch("batch_bom")));
    const body = new Uint8Array(bytes.length + 3);
    body.set([0xef, 0xbb, 0xbf]);
    body.set(bytes, 3);
    const status = await provider(async () => new Response(body, { status: 200 })).getStatus("batch_bom");
    assert.equal(status.batchId, "batch_bom");
  });

  test("a fetch that resolves to something other than a Response is a connection error saying so", async () => {
    // Shaped enough like one to pass the redacting fetch, which reads `ok` and the headers.
    const fetch = (async () => ({ ok: true, status: 200, headers: new Headers() })) as unknown as (request: Request) => Promise<Response>;
    await assert.rejects(provider(fetch).getStatus("batch_x"), (error: unknown) => {
      assert.ok(error instanceof ConnectionError, String(error));
      assert.equal(error.message, "connection error: the fetch function did not return a Response");
      return true;
    });
  });

  test("a fetch that throws, or rejects with a cause, is a connection error with both messages", async () => {
    const throwing = () => {
      throw new Error("no route");
    };
    await assert.rejects(provider(throwing as never).getStatus("batch_x"), (error: unknown) => error instanceof ConnectionError && error.message === "connection error: no route");
    const rejecting = async () => {
      throw new TypeError("fetch failed", { cause: new Error("connect ECONNREFUSED 127.0.0.1:9") });
    };
    await assert.rejects(provider(rejecting).getStatus("batch_x"), (error: unknown) => error instanceof ConnectionError && error.message === "connection error: fetch failed: connect ECONNREFUSED 127.0.0.1:9");
  });

  test("a fetch that ignores the signal still ends when the caller aborts", async () => {
    const controller = new AbortController();
    const never = () => new Promise<Response>(() => {});
    const call = provider(never).getStatus("batch_x", { signal: controller.signal });
    setTimeout(() => controller.abort(), 20);
    await assert.rejects(call, (error: unknown) => error instanceof AbortError);
  });

  test("an error answer to a result download is the provider's error, with its status and message", async () => {
    const fetch = async (request: Request) => {
      if (new URL(request.url).pathname.endsWith("/content")) return json({ error: { message: "file gone", type: "invalid_request_error" } }, 410);
      return json(openaiBatch("batch_gone"));
    };
    const results = provider(fetch).getResults("batch_gone");
    await assert.rejects(results.next(), (error: unknown) => {
      assert.ok(error instanceof ProviderError, String(error));
      assert.equal(error.status, 410);
      assert.match(error.message, /file gone/);
      return true;
    });
  });
});
