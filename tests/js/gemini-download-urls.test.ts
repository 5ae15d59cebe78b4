/**
 * Gemini batches take no plain http(s) URLs for media: refused by default, and with the explicit
 * `downloadUrls` opt-in downloaded (through the provider's fetch) and sent inline as base64.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";

import { GoogleProvider, ValidationError, type UnifiedRequest } from "batch-router";

import { GEMINI_KEY, collect, startGemini, waitUntilComplete, type GeminiSetup } from "../support/gemini-harness.js";

const IMAGE_URL = "https://images.example/cat.png";
const PDF_URL = "https://files.example/report";
const IMAGE_BYTES = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 1, 2, 250, 251, 252]);
const PDF_BYTES = new TextEncoder().encode("%PDF-1.4\n%fake\n");

function request(): UnifiedRequest {
  return {
    customId: "with-urls",
    model: "gemini-2.5-flash",
    messages: [
      {
        role: "user",
        content: [
          { type: "text", text: "Describe both." },
          { type: "image", sourceType: "url", data: IMAGE_URL },
          { type: "document", sourceType: "url", mediaType: "application/pdf", data: PDF_URL },
        ],
      },
    ],
  };
}

function base64(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes));
}

describe("GoogleProvider downloadUrls", () => {
  let setup: GeminiSetup;
  const downloads: string[] = [];

  before(async () => {
    setup = await startGemini();
  });

  after(async () => {
    await setup.server.close();
  });

  const mediaFetch = async (request: Request): Promise<Response> => {
    if (request.url === IMAGE_URL) {
      downloads.push(request.url);
      return new Response(IMAGE_BYTES, { headers: { "content-type": "image/png; charset=binary" } });
    }
    if (request.url === PDF_URL) {
      downloads.push(request.url);
      return new Response(PDF_BYTES, { headers: { "content-type": "application/octet-stream" } });
    }
    if (request.url.startsWith("https://")) return new Response("missing", { status: 404 });
    return fetch(request);
  };

  test("without the opt-in a URL image is a validation error and nothing is sent", async () => {
    const before = setup.emulator.received.length;
    await assert.rejects(setup.providerWith({ fetch: mediaFetch }).sendBatch({ provider: "google", requests: [request()] }), (error: unknown) => {
      assert.ok(error instanceof ValidationError);
      assert.equal(error.customId, "with-urls");
      assert.equal(error.field, "messages[0].content[1].sourceType");
      return true;
    });
    assert.equal(setup.emulator.received.length, before);
    assert.deepEqual(downloads, []);
  });

  test("with downloadUrls the media are fetched and sent inline, the batch runs", async () => {
    const provider = new GoogleProvider({
      apiKey: GEMINI_KEY,
      baseUrl: setup.server.url,
      storage: setup.storage,
      fetch: mediaFetch,
      downloadUrls: true,
      route: "inline",
    });
    const batchId = await provider.sendBatch({ provider: "google", requests: [request()] });
    assert.deepEqual(downloads, [IMAGE_URL, PDF_URL]);
    const create = setup.emulator.received.find((received) => received.url.includes(":batchGenerateContent"));
    const body = JSON.parse(create!.bodyText);
    const parts = body.batch.inputConfig.requests.requests[0].request.contents[0].parts;
    assert.deepEqual(parts[1], { inlineData: { mimeType: "image/png", data: base64(IMAGE_BYTES) } });
    // The caller's mediaType wins over the server's content type.
    assert.deepEqual(parts[2], { inlineData: { mimeType: "application/pdf", data: base64(PDF_BYTES) } });
    assert.ok(!create!.bodyText.includes(IMAGE_URL));
    await waitUntilComplete(provider, batchId);
    const results = await collect(provider.getResults(batchId));
    assert.equal(results.length, 1);
    assert.equal(results[0]!.customId, "with-urls");
  });

  test("a failed download names the request and the field", async () => {
    const provider = new GoogleProvider({ apiKey: GEMINI_KEY, baseUrl: setup.server.url, storage: false, fetch: mediaFetch, downloadUrls: true });
    const missing = request();
    (missing.messages![0]!.content as { data: string }[])[1]!.data = "https://images.example/missing.png";
    await assert.rejects(provider.sendBatch({ provider: "google", requests: [missing] }), (error: unknown) => {
      assert.ok(error instanceof ValidationError);
      assert.equal(error.field, "messages[0].content[1].data");
      assert.match(error.message, /HTTP 404/);
      return true;
    });
  });
});
