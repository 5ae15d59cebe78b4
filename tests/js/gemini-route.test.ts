/**
 * The Gemini route at the inline limit (reference §3.7: inline batches below 20 MB), end to end:
 * batches go as files unless inline is asked for (file lines carry each request's key); asked
 * for, a create body of 19,999,999 bytes goes inline and the emulator, which measures what
 * arrives, accepts it; one byte more is refused; a batch of just over 20 MB of text is sent
 * through the Files API and its results come back.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";

import { ValidationError, type UnifiedRequest } from "batch-router";

import { collect, startGemini, waitUntilComplete, type GeminiSetup } from "../support/gemini-harness.js";
import { geminiText } from "../support/gemini-requests.js";

const LIMIT = 20_000_000;
const COUNT = 200;
const FILLER = "The quick brown fox jumps over the lazy dog. ";

/** COUNT requests of plain ASCII text (so JSON adds no escapes); the last one carries `padding`. */
function bigBatch(repeats: number, padding: number): UnifiedRequest[] {
  return Array.from({ length: COUNT }, (_, index) => {
    const extra = index === COUNT - 1 ? "x".repeat(padding) : "";
    return geminiText(`big-${index}`, `part ${index}: ${FILLER.repeat(repeats)}${extra}`);
  });
}

function textBytes(requests: UnifiedRequest[]): number {
  return requests.reduce((sum, request) => sum + (request.messages![0]!.content as string).length, 0);
}

describe("the Gemini route follows the 20 MB inline limit", () => {
  let setup: GeminiSetup;

  before(async () => {
    setup = await startGemini({}, { storage: false });
  });

  after(async () => {
    await setup.server.close();
  });

  test("19,999,999 bytes go inline when asked and are accepted; one byte more is refused; the default is a file", async () => {
    const { emulator, provider, providerWith } = setup;
    const inline = providerWith({ route: "inline" });
    // The create body is the prepared lines joined by commas inside a fixed envelope, so it differs
    // from the prepared bytes by a constant that a small batch of the same size reveals.
    const probe = bigBatch(0, 0);
    await inline.sendBatch({ provider: "google", requests: probe });
    const envelope = emulator.received.at(-1)!.bodyBytes - inline.prepareBatch(probe).summary.bytes;

    const repeats = 2204;
    const unpadded = inline.prepareBatch(bigBatch(repeats, 0)).summary.bytes + envelope;
    assert.ok(unpadded < LIMIT - 1 && unpadded > LIMIT - 200_000, `unpadded body of ${unpadded} bytes`);
    const padding = LIMIT - 1 - unpadded;

    const below = bigBatch(repeats, padding);
    assert.equal(provider.prepareBatch(below).summary.route, "file");
    assert.equal(provider.prepareBatch(probe).summary.route, "file");
    assert.equal(inline.prepareBatch(below).summary.route, "inline");
    const belowId = await inline.sendBatch({ provider: "google", requests: below });
    const create = emulator.received.at(-1)!;
    assert.equal(create.url, "/v1beta/models/gemini-2.5-flash:batchGenerateContent");
    assert.equal(create.bodyBytes, LIMIT - 1);
    assert.equal((await inline.getStatus(belowId)).requestCounts.total, COUNT);

    const atLimit = bigBatch(repeats, padding + 1);
    assert.equal(provider.prepareBatch(atLimit).summary.route, "file");
    const before = emulator.received.length;
    await assert.rejects(inline.sendBatch({ provider: "google", requests: atLimit }), (error: unknown) => {
      assert.ok(error instanceof ValidationError);
      assert.equal(error.field, "route");
      assert.match(error.message, /20000000 bytes/);
      return true;
    });
    assert.equal(emulator.received.length, before, "a refused inline batch sends nothing");
  });

  test("a batch of just over 20 MB of text is uploaded as a file without being told to", async () => {
    const { emulator, provider } = setup;
    const requests = bigBatch(2223, 0);
    const text = textBytes(requests);
    assert.ok(text > LIMIT && text < LIMIT + 100_000, `${text} bytes of text`);
    const prepared = provider.prepareBatch(requests);
    assert.equal(prepared.summary.route, "file");
    const before = emulator.received.length;
    const batchId = await provider.sendBatch({ provider: "google", requests });
    const calls = emulator.received.slice(before);
    assert.deepEqual(
      calls.map((call) => call.url.replace(/upload_id=[^&]+/, "upload_id=…")),
      ["/upload/v1beta/files", "/upload/v1beta/files?upload_id=…&upload_protocol=resumable", "/v1beta/models/gemini-2.5-flash:batchGenerateContent"],
    );
    assert.equal(calls[1]!.bodyBytes, prepared.summary.bytes);
    assert.ok(calls[2]!.bodyBytes < 1000, "the create call names the file instead of carrying the requests");

    const done = await waitUntilComplete(provider, batchId);
    assert.equal(done.requestCounts.succeeded, COUNT);
    const results = await collect(provider.getResults(batchId));
    assert.equal(results.length, COUNT);
    results.forEach((result, index) => {
      assert.equal(result.customId, `big-${index}`);
      assert.ok(result.response?.text.startsWith(`echo: part ${index}: The quick`), result.response?.text);
    });
    assert.deepEqual(emulator.violations, []);
  });
});
