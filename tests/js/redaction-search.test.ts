/**
 * The credential search in result downloads (npm/src/redact-chunks.ts) by each of its two paths:
 * `Buffer.indexOf` on a short window of the secret that begins with its rarest byte (Node, Bun),
 * and `Uint8Array.indexOf` on that byte (Deno and workerd; here the redactor is made while the
 * global `Buffer` is taken away). Keys of lower-case letters only (the bench's `bench-key` among
 * them), cut by chunk boundaries anywhere, adjacent, overlapping themselves, with text that nearly
 * is a key around them: what comes out is the body with every key replaced and nothing else
 * changed; and the same through a provider's download, into its output file.
 */
import assert from "node:assert/strict";
import { dirname, join } from "node:path";
import { describe, test } from "node:test";
import { fileURLToPath, pathToFileURL } from "node:url";

import { AzureOpenAIProvider, MemoryStorage, OpenAIProvider } from "batch-router";

import { servingInChunks } from "../support/chunked-download.js";

interface Redactor {
  chunk(chunk: Uint8Array): Uint8Array;
  end(): Uint8Array;
}

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
// The redactor itself, from the built package (not exported: `redactingFetch` uses it).
const { ChunkRedactor } = (await import(pathToFileURL(join(root, "npm", "dist", "redact-chunks.js")).href)) as { ChunkRedactor: new (secrets: readonly string[]) => Redactor };

const BATCH = "batch_search";
const REDACTED = "[redacted]";
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** A redactor made with no global `Buffer` (as in workerd), which is put back at once. */
function madeWithoutBuffer(secrets: readonly string[]): Redactor {
  const descriptor = Object.getOwnPropertyDescriptor(globalThis, "Buffer");
  delete (globalThis as { Buffer?: unknown }).Buffer;
  try {
    assert.equal((globalThis as { Buffer?: unknown }).Buffer, undefined);
    return new ChunkRedactor(secrets);
  } finally {
    if (descriptor !== undefined) Object.defineProperty(globalThis, "Buffer", descriptor);
  }
}

const PATHS: [string, (secrets: readonly string[]) => Redactor][] = [
  ["with Buffer", (secrets) => new ChunkRedactor(secrets)],
  ["without Buffer", madeWithoutBuffer],
];

/** `body` passed through a redactor in chunks cut at `cuts` (ascending offsets). */
function redacted(redactor: Redactor, body: string, cuts: number[]): string {
  const bytes = encoder.encode(body);
  const parts: Uint8Array[] = [];
  let start = 0;
  for (const cut of [...cuts, bytes.length]) {
    parts.push(redactor.chunk(bytes.slice(start, cut)));
    start = cut;
  }
  parts.push(redactor.end());
  const out = new Uint8Array(parts.reduce((total, part) => total + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return decoder.decode(out);
}

/** Cuts every `size` bytes of a body of `length` bytes. */
function every(size: number, length: number): number[] {
  return Array.from({ length: Math.ceil(length / size) - 1 }, (_, index) => (index + 1) * size);
}

/** An OpenAI result line whose request failed with a message of `text`. */
function errorLine(index: number, text: string): string {
  const error = { message: text, type: "invalid_request_error", code: "invalid_api_key" };
  return JSON.stringify({ id: `batch_req_${index}`, custom_id: `request-${index}`, response: { status_code: 401, request_id: `req_${index}`, body: { error } }, error: null }) + "\n";
}

/** A body that holds `key` cut anywhere: adjacent to itself, overlapping itself, beside every piece of it. */
function bodyHolding(key: string): string {
  // Every piece of the key of 4 bytes or more (its search windows among them), none the key.
  const pieces: string[] = [];
  for (let length = 4; length < key.length; length++) for (let start = 0; start + length <= key.length; start++) pieces.push(key.slice(start, start + length));
  return (
    errorLine(0, `Incorrect API key provided: ${key}. Pieces: ${pieces.join(" ")}`) +
    errorLine(1, `${key}${key} ${key.slice(0, -1)}${key} ${key.slice(1)} ${key}${key.slice(0, 3)}`) +
    errorLine(2, `ends with ${key}`)
  );
}

/** A small seeded generator (mulberry32), so that a failing case can be replayed. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let value = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    value = (value + Math.imul(value ^ (value >>> 7), 61 | value)) ^ value;
    return ((value ^ (value >>> 14)) >>> 0) / 4294967296;
  };
}

// Plainly not real keys: lower-case letters (and a dash) only, the shape whose every byte is common in JSON text.
const LOWER_CASE_KEYS = ["bench-key", "testonlylowercasekey", "abcabcabcabd"];

for (const [path, make] of PATHS) {
  describe(`the search for a lower-case key, ${path}`, () => {
    for (const key of LOWER_CASE_KEYS) {
      test(`${key}: cut anywhere, adjacent, overlapping itself and beside its own pieces, it is replaced and nothing else`, () => {
        const body = bodyHolding(key);
        const expected = body.split(key).join(REDACTED);
        assert.notEqual(expected, body);
        const at = body.indexOf(key);
        for (let split = at - 1; split <= at + key.length + 1; split++) {
          const cuts = split + 1 < at + key.length ? [split, split + 1] : [split];
          assert.equal(redacted(make([key]), body, cuts), expected, `split at ${split}`);
        }
        for (let size = 1; size <= 9; size++) assert.equal(redacted(make([key]), body, every(size, body.length)), expected, `chunks of ${size}`);
        assert.equal(redacted(make([key]), body, []), expected, "one chunk");
        // Nothing but keys, the last one ending the chunk: cut once anywhere.
        for (const only of [key, key + key, key + key + key]) {
          for (let cut = 0; cut <= only.length; cut++) assert.equal(redacted(make([key]), only, [cut]), only.split(key).join(REDACTED), `${only} cut at ${cut}`);
        }
      });
    }

    test("random text of a key's letters and pieces, cut at random: the same as replacing every key in the whole body", () => {
      const next = random(7);
      for (let round = 0; round < 300; round++) {
        const key = LOWER_CASE_KEYS[round % LOWER_CASE_KEYS.length]!;
        const parts = [key, key.slice(0, 1 + Math.floor(next() * (key.length - 1))), key.slice(Math.floor(next() * key.length)), key.charAt(Math.floor(next() * key.length)), " "];
        let body = "";
        while (body.length < 200) body += parts[Math.floor(next() * parts.length)]!;
        const cuts = [...new Set(Array.from({ length: 1 + Math.floor(next() * 8) }, () => 1 + Math.floor(next() * (body.length - 1))))].sort((left, right) => left - right);
        assert.equal(redacted(make([key]), body, cuts), body.split(key).join(REDACTED), `round ${round}: ${key} in ${body} cut at ${cuts}`);
      }
    });

    test("two lower-case credentials, each found wherever the chunks are cut", () => {
      const key = "lowercase-secret-key";
      const token = "another-lowercase-token";
      const body = errorLine(0, `key ${key}, token ${token}, both ${key}${token} ${token}${key}`) + errorLine(1, `${token.slice(0, 12)} ${key.slice(9)} ${token}`);
      const expected = body.split(token).join(REDACTED).split(key).join(REDACTED);
      for (let size = 1; size <= 30; size++) assert.equal(redacted(make([token, key]), body, every(size, body.length)), expected, `chunks of ${size}`);
    });

    test("one credential within another: the longer is replaced whole wherever the chunks are cut, the shorter where it stands alone", () => {
      for (const [long, short] of [
        ["lowercase-secret-key-long", "lowercase-secret"],
        ["outer-lowercase-secret-tail", "lowercase-secret"],
        ["outer-lowercase-secret", "lowercase-secret"],
      ] as const) {
        const body = errorLine(0, `long ${long}, short ${short}, both ${long}${short}${long} ${short}${long.slice(0, -1)}`);
        const expected = body.split(long).join(REDACTED).split(short).join(REDACTED);
        for (let cut = 0; cut <= body.length; cut++) assert.equal(redacted(make([long, short]), body, [cut]), expected, `${long}, ${short}: cut at ${cut}`);
        for (let size = 1; size <= 30; size++) assert.equal(redacted(make([long, short]), body, every(size, body.length)), expected, `${long}, ${short}: chunks of ${size}`);
      }
    });

    test("a body without the key comes out byte for byte, a whole chunk passed on as it is", () => {
      const key = "testonlylowercasekey";
      const body = bodyHolding(key).split(key).join("testonlylowercasekez é ✓");
      for (const size of [1, 2, 7, 64]) assert.equal(redacted(make([key]), body, every(size, body.length)), body, `chunks of ${size}`);
      const whole = encoder.encode(body);
      assert.equal(make([key]).chunk(whole), whole);
    });
  });
}

describe("through a provider's download", () => {
  for (const key of LOWER_CASE_KEYS) {
    test(`${key}: the output file has every occurrence replaced, wherever the download is cut`, async () => {
      const body = bodyHolding(key);
      const expected = body.split(key).join(REDACTED);
      for (const size of [1, 5, 13, body.length]) {
        const storage = new MemoryStorage();
        const provider = new OpenAIProvider({ apiKey: key, storage, fetch: servingInChunks(BATCH, body, every(size, body.length)) });
        const results = [];
        for await (const result of provider.getResults(BATCH)) results.push(result);
        assert.equal(results.length, 3);
        assert.ok(!JSON.stringify(results).includes(key));
        assert.equal(await storage.read(`generated/openai/batch_${BATCH}_output.jsonl`), expected, `chunks of ${size}`);
      }
    });
  }

  test("Azure's two lower-case credentials", async () => {
    const key = "lowercase-secret-key";
    const token = "another-lowercase-token";
    const body = errorLine(0, `key ${key}`) + errorLine(1, `token ${token}${key}`);
    const storage = new MemoryStorage();
    const provider = new AzureOpenAIProvider({ endpoint: "https://example.openai.azure.com", apiKey: key, entraToken: token, storage, fetch: servingInChunks(BATCH, body, every(3, body.length)) });
    for await (const result of provider.getResults(BATCH)) void result;
    assert.equal(await storage.read(`generated/azure/batch_${BATCH}_output.jsonl`), body.split(token).join(REDACTED).split(key).join(REDACTED));
  });
});
