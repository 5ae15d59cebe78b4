/**
 * Unified JSONL as people's tools write it (issue 12, kind 7; field case 16): a byte-order mark,
 * CRLF line ends and a trailing empty line are read by every API that takes JSONL, and non-ASCII
 * text, emoji and U+2028 arrive unchanged in each provider's JSONL. And validation errors name
 * their field and line the same way everywhere (issue 21, item 3).
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { describe, test } from "node:test";
import { fileURLToPath } from "node:url";

import { dryRun, MemoryStorage, OpenAIProvider, ValidationError, type ProviderName } from "batch-router";

const fixtures = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "fixtures", "unified");
const bomCrlf = readFileSync(join(fixtures, "requests-bom-crlf.jsonl"), "utf8");
const crlf = readFileSync(join(fixtures, "requests-crlf.jsonl"), "utf8");

const models: Record<ProviderName, string> = {
  openai: "gpt-4o-mini",
  anthropic: "claude-sonnet-4-5",
  google: "gemini-2.5-flash",
  mistral: "mistral-small-latest",
  vllm: "meta-llama/Llama-3.1-8B-Instruct",
  groq: "llama-3.1-8b-instant",
  azure: "gpt-4o-mini-batch",
  together: "meta-llama/Llama-3.3-70B-Instruct-Turbo",
  xai: "grok-3-mini",
};

/** Every string inside a JSON value. */
function strings(value: unknown): string[] {
  if (typeof value === "string") return [value];
  if (Array.isArray(value)) return value.flatMap(strings);
  if (value !== null && typeof value === "object") return Object.values(value).flatMap(strings);
  return [];
}

/** The user texts of the fixture, read without the byte-order mark or the carriage returns. */
const texts = crlf
  .split("\r\n")
  .filter((line) => line !== "")
  .map((line) => (JSON.parse(line) as { messages: { content: string }[] }).messages[0]!.content);

describe("unified JSONL with a byte-order mark, CRLF and a trailing empty line", () => {
  test("the fixture is what field case 16 describes", () => {
    assert.ok(bomCrlf.startsWith("\ufeff{"));
    assert.ok(bomCrlf.endsWith("\r\n\r\n"));
    assert.equal(texts.length, 3);
    assert.ok(texts.some((text) => text.includes("\u2028")) && texts.some((text) => /\p{Extended_Pictographic}/u.test(text)));
  });

  for (const [provider, model] of Object.entries(models) as [ProviderName, string][]) {
    test(`${provider}: dryRun reads three requests; every provider line is JSON with the text unchanged`, async () => {
      const input = bomCrlf.replaceAll('"gpt-4o-mini"', JSON.stringify(model));
      const storage = new MemoryStorage();
      const result = await dryRun(provider, input, { name: "bom", storage });
      assert.equal(result.summary.requestCount, 3);
      const lines = result.providerJsonl.split("\n").filter((line) => line !== "");
      assert.equal(lines.length, 3);
      const found = lines.map((line) => JSON.parse(line) as unknown).flatMap(strings);
      for (const text of texts) assert.ok(found.includes(text), `${provider}: ${JSON.stringify(text)} did not arrive unchanged`);
      assert.ok(!result.providerJsonl.includes("\r"), "no carriage return kept");
      // The same file without its byte-order mark converts to the same bytes.
      const control = await dryRun(provider, crlf.replaceAll('"gpt-4o-mini"', JSON.stringify(model)), { name: "crlf" });
      assert.equal(control.providerJsonl, result.providerJsonl);
    });
  }
});

describe("validation errors name field and line the same way everywhere", () => {
  const good = '{"customId":"ok","model":"gpt-4o-mini","messages":[{"role":"user","content":"x"}]}';

  test("a request without messages names the field `messages` (and its line in JSONL)", async () => {
    const error = await dryRun("openai", `${good}\n\n{"customId":"no-messages","model":"gpt-4o-mini"}\n`, { name: "x" }).then(
      () => undefined,
      (error: unknown) => error,
    );
    assert.ok(error instanceof ValidationError, String(error));
    assert.deepEqual([error.index, error.customId, error.field, error.line], [1, "no-messages", "messages", 3]);
    assert.match(error.message, /^request 1 \(line 3, customId "no-messages"\): messages: /);
    // Objects have no lines: the same error from prepareBatch names request and field only.
    const provider = new OpenAIProvider({ apiKey: "fake-key-input-0123456789", storage: false });
    assert.throws(
      () => provider.prepareBatch([JSON.parse(good), { customId: "no-messages", model: "gpt-4o-mini" } as never]),
      (thrown: unknown) => thrown instanceof ValidationError && thrown.field === "messages" && thrown.index === 1 && thrown.line === undefined,
    );
  });

  test("a line that is not JSON names line and request index, and no field", async () => {
    for (const bad of ['{"customId": "b", oops}', '{"customId": "b"', "not json at all"]) {
      const error = await dryRun("anthropic", `\ufeff${good}\r\n\r\n${bad}\r\n${good}\r\n`, { name: "x" }).then(
        () => undefined,
        (error: unknown) => error,
      );
      assert.ok(error instanceof ValidationError, String(error));
      assert.deepEqual([error.index, error.line, error.field, error.customId], [1, 3, undefined, undefined], bad);
      assert.match(error.message, /^request 1 \(line 3\): not valid JSON: /);
      assert.ok(!error.message.includes("?"), error.message);
    }
  });
});
