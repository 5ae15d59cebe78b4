/**
 * Every invalid request of a batch is named in one `ValidationError`: a file with several faults is
 * mended in one run, not one run per fault (trial 9a). The error's own fields are the first's;
 * `errors` lists each (at most 100, in request order), `invalidCount` counts them all. Nothing is
 * uploaded. The CLI prints one line per invalid request.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { OpenAIProvider, ValidationError, dryRun, estimateBatch } from "batch-router";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
const cli = join(root, "npm", "dist", "cli.js");

const ok = (id: string) => JSON.stringify({ customId: id, model: "gpt-4o-mini", messages: [{ role: "user", content: "hi" }] });
const file = [
  ok("a"),
  JSON.stringify({ customId: "hot", model: "gpt-4o-mini", messages: [{ role: "user", content: "hi" }], generationConfig: { temperature: 9 } }),
  "",
  ok("c"),
  JSON.stringify({ customId: "empty", model: "gpt-4o-mini", messages: [] }),
  ok("a"),
].join("\n");

async function refusal(run: () => Promise<unknown>): Promise<ValidationError> {
  try {
    await run();
  } catch (error) {
    assert.ok(error instanceof ValidationError, String(error));
    return error;
  }
  assert.fail("no error");
}

describe("every invalid request in one error", () => {
  test("dryRun names each invalid request with its index, custom id, field and line", async () => {
    const error = await refusal(() => dryRun("openai", file, { name: "t" }));
    assert.equal(error.invalidCount, 3);
    assert.deepEqual(
      error.errors.map((each) => [each.index, each.customId, each.field, each.line]),
      [
        [1, "hot", "generationConfig.temperature", 2],
        [3, "empty", "messages", 5],
        [4, "a", "customId", 6],
      ],
    );
    // The error itself is the first one's, its message says how many more there are.
    assert.deepEqual([error.index, error.customId, error.field, error.line], [1, "hot", "generationConfig.temperature", 2]);
    assert.ok(error.message.startsWith(error.errors[0]!.message), error.message);
    assert.match(error.message, /\(and 2 more invalid requests, listed in `errors`\)$/);
    for (const each of error.errors) {
      assert.ok(each instanceof ValidationError);
      assert.match(each.message, new RegExp(`^request ${each.index} \\(line ${each.line}, customId "${each.customId}"\\): ${each.field!.replace(".", "\\.")}: `));
      assert.deepEqual(each.errors, [each]);
      assert.equal(each.invalidCount, 1);
    }
    // Loggers and JSON.stringify do not walk the list (a getter).
    assert.equal(JSON.parse(JSON.stringify(error)).errors, undefined);
  });

  test("a batch sent to a provider uploads nothing and names every invalid request", async () => {
    let calls = 0;
    const provider = new OpenAIProvider({ apiKey: "k", storage: false, fetch: async () => { calls++; return new Response("{}"); } });
    const requests = file.split("\n").filter((line) => line !== "").map((line) => JSON.parse(line));
    const error = await refusal(() => provider.sendBatch({ provider: "openai", requests }));
    assert.equal(calls, 0);
    assert.equal(error.invalidCount, 3);
    assert.deepEqual(error.errors.map((each) => each.customId), ["hot", "empty", "a"]);
  });

  test("lines that cannot be read are each named, and a file of one fault repeated keeps the first hundred", async () => {
    // Lines that are not JSON and requests that cannot be read, together.
    const unreadable = [ok("a"), "{not json", ok("b"), "[", JSON.stringify({ customId: "m", messages: 7 })].join("\n");
    const error = await refusal(() => dryRun("openai", unreadable, { name: "t" }));
    assert.deepEqual(error.errors.map((each) => [each.index, each.line]), [[1, 2], [3, 4], [4, 5]]);
    const requests = [JSON.parse(ok("a")), { customId: "m", messages: 7 }, { customId: "n", model: "gpt-4o-mini", messages: [{ role: "user", content: [{ type: "image" }] }] }];
    const estimated = await refusal(async () => estimateBatch({ provider: "openai", requests }));
    assert.deepEqual(estimated.errors.map((each) => each.customId), ["m", "n"]);
    const wrong = await refusal(() => dryRun("openai", [ok("a"), JSON.stringify({ customId: "m", messages: 7 }), JSON.stringify({ customId: "n", messages: 8 })].join("\n"), { name: "t" }));
    assert.deepEqual(wrong.errors.map((each) => [each.customId, each.field]), [["m", "messages"], ["n", "messages"]]);

    const many = Array.from({ length: 250 }, (_, at) => JSON.stringify({ customId: `r${at}`, model: "gpt-4o-mini", messages: [] })).join("\n");
    const capped = await refusal(() => dryRun("openai", many, { name: "t" }));
    assert.equal(capped.invalidCount, 250);
    assert.equal(capped.errors.length, 100);
    assert.equal(capped.errors[99]!.customId, "r99");
    assert.match(capped.message, /\(and 249 more invalid requests; the first 100 are listed in `errors`\)$/);
  });

  test("the CLI prints one line per invalid request, and --json lists them", async () => {
    const dir = mkdtempSync(join(tmpdir(), "br-every-invalid-"));
    writeFileSync(join(dir, "in.jsonl"), file);
    const run = (args: string[]) =>
      new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
        execFile(process.execPath, [cli, ...args], { cwd: dir }, (error, stdout, stderr) => {
          resolve({ code: error ? Number(error.code) : 0, stdout, stderr });
        });
      });
    const plain = await run(["convert", "in.jsonl", "--provider", "openai"]);
    assert.equal(plain.code, 3, plain.stderr);
    const lines = plain.stderr.trimEnd().split("\n");
    assert.equal(lines[0], "error: 3 invalid requests:");
    assert.match(lines[1]!, /^ {2}request 1 \(line 2, customId "hot"\): generationConfig\.temperature: /);
    assert.match(lines[2]!, /^ {2}request 3 \(line 5, customId "empty"\): messages: /);
    assert.match(lines[3]!, /^ {2}request 4 \(line 6, customId "a"\): customId: duplicate customId/);
    const json = await run(["convert", "in.jsonl", "--provider", "openai", "--json"]);
    const document = JSON.parse(json.stdout || json.stderr) as { invalidCount?: number; errors?: { customId: string; line: number }[] };
    assert.equal(document.invalidCount, 3);
    assert.deepEqual(document.errors?.map((each) => [each.customId, each.line]), [["hot", 2], ["empty", 5], ["a", 6]]);
  });
});
