/**
 * Trial 6, fault 3: a configured credential that a provider echoes inside a result line (a
 * request's own 401 error text) is `[redacted]` as it is in an HTTP error: in the result's
 * `error.message` and `error.raw`, in `_output.jsonl` and in `_results.jsonl`. The download is
 * searched chunk by chunk, so a key cut in two by a chunk boundary is found too; a body without a
 * credential reaches the output file byte for byte.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { AzureOpenAIProvider, MemoryStorage, OpenAIProvider, type BatchProvider, type UnifiedResult } from "batch-router";

import { servingInChunks } from "../support/chunked-download.js";
import { openaiAnswerLine } from "../support/output-file.js";

// Plainly not a real key (no provider's key prefix), shaped like one: upper case, digits, dashes.
const KEY = "test-only-openai-KEY-LEAKME0123456789abcdef";
const TOKEN = "fake-entra-token-ZYX0987654321";
const BATCH = "batch_leak";

/** An OpenAI result line whose request failed with a 401 that quotes `secret`. */
function leakingLine(index: number, secret: string): string {
  const error = { message: `Incorrect API key provided: ${secret}. You can find your API key at https://platform.openai.com/account/api-keys.`, type: "invalid_request_error", code: "invalid_api_key" };
  return JSON.stringify({ id: `batch_req_${index}`, custom_id: `request-${index}`, response: { status_code: 401, request_id: `req_${index}`, body: { error } }, error: null }) + "\n";
}

/** A fetch answering a finished batch whose download is `body`, cut into the given chunk sizes. */
function serving(body: string, cuts: number[] = []): (request: Request) => Promise<Response> {
  return servingInChunks(BATCH, body, cuts);
}

async function read(provider: BatchProvider): Promise<UnifiedResult[]> {
  const results: UnifiedResult[] = [];
  for await (const result of provider.getResults(BATCH)) results.push(result);
  return results;
}

function assertNoSecret(texts: string[], secrets: string[]): void {
  for (const text of texts) for (const secret of secrets) assert.ok(!text.includes(secret), `${secret} found in ${text.slice(0, 300)}`);
}

async function files(storage: MemoryStorage, provider = "openai"): Promise<[string, string]> {
  return [(await storage.read(`generated/${provider}/batch_${BATCH}_output.jsonl`))!, (await storage.read(`generated/${provider}/batch_${BATCH}_results.jsonl`))!];
}

describe("a credential echoed in a result line", () => {
  test("is redacted in error.message, error.raw and both result files", async () => {
    const storage = new MemoryStorage();
    const body = JSON.stringify(openaiAnswerLine(0, "fine")) + "\n" + leakingLine(1, KEY);
    const results = await read(new OpenAIProvider({ apiKey: KEY, storage, fetch: serving(body) }));
    assert.equal(results.length, 2);
    const failed = results[1]!;
    assert.equal(failed.status, "errored");
    assert.match(failed.error!.message, /Incorrect API key provided: \[redacted\]\./);
    assertNoSecret([failed.error!.message, JSON.stringify(failed.error!.raw), JSON.stringify(failed)], [KEY]);
    const [output, resultsFile] = await files(storage);
    assertNoSecret([output, resultsFile], [KEY]);
    assert.equal(output, body.replace(KEY, "[redacted]"));
    assert.match(resultsFile, /\[redacted\]/);
  });

  test("cut by a chunk boundary at any point, or twice in one chunk, is still redacted", async () => {
    const body = leakingLine(0, KEY) + leakingLine(1, KEY);
    const at = body.indexOf(KEY);
    for (let split = at - 1; split <= at + KEY.length + 1; split++) {
      const storage = new MemoryStorage();
      // Also a one-byte chunk inside the key, and the second key whole within the last chunk.
      const cuts = split + 1 < at + KEY.length ? [split, split + 1] : [split];
      const results = await read(new OpenAIProvider({ apiKey: KEY, storage, fetch: serving(body, cuts) }));
      assert.equal(results.length, 2, `split at ${split}`);
      const [output, resultsFile] = await files(storage);
      assertNoSecret([output, resultsFile, JSON.stringify(results)], [KEY]);
      assert.equal(output, body.split(KEY).join("[redacted]"), `split at ${split}`);
    }
  });

  test("a key at the very end of the body is redacted", async () => {
    const storage = new MemoryStorage();
    const body = leakingLine(0, KEY).trimEnd() + ` ${KEY}`;
    await read(new OpenAIProvider({ apiKey: KEY, storage, fetch: serving(body, [body.length - 3]) })).catch(() => []);
    const [output] = await files(storage);
    assertNoSecret([output ?? ""], [KEY]);
  });

  test("Azure: the key and the Entra token are both redacted", async () => {
    const storage = new MemoryStorage();
    const body = leakingLine(0, KEY) + leakingLine(1, TOKEN);
    const provider = new AzureOpenAIProvider({ endpoint: "https://example.openai.azure.com", apiKey: KEY, entraToken: TOKEN, storage, fetch: serving(body, [body.length - 10]) });
    const results = await read(provider);
    assert.equal(results.length, 2);
    const [output, resultsFile] = await files(storage, "azure");
    assertNoSecret([output, resultsFile, JSON.stringify(results)], [KEY, TOKEN]);
    assert.equal(output.split("[redacted]").length, 3);
  });

  test("a body without a credential reaches the output file byte for byte", async () => {
    const storage = new MemoryStorage();
    // Text close to the key (its prefix, its anchor letters) but never the key itself.
    const body = Array.from({ length: 40 }, (_, index) => JSON.stringify(openaiAnswerLine(index, `${KEY.slice(0, 30)} ${KEY.slice(0, -1)} é ✓ ${index}`)) + "\n").join("");
    const cuts = Array.from({ length: 30 }, (_, index) => 97 * (index + 1));
    const results = await read(new OpenAIProvider({ apiKey: KEY, storage, fetch: serving(body, cuts) }));
    assert.equal(results.length, 40);
    const [output] = await files(storage);
    assert.equal(output, body);
  });
});
