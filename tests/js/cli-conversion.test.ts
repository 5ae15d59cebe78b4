/**
 * The CLI's dry run (`convert`) on the field cases of conversion rules: what batch-router changed is
 * printed as a warning, what it refuses is one error line naming request and field (exit 3), and the
 * provider file holds what the provider needs. Inputs: tests/fixtures/field-cases/.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
const cli = join(root, "npm", "dist", "cli.js");
const cases = join(root, "tests", "fixtures", "field-cases");
const nodeBinary = process.env.NODE_BINARY ?? "node";

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

let workDirectory = "";

function run(args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(nodeBinary, [cli, ...args], { cwd: workDirectory }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === "number" ? error.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

/** The provider lines `convert` wrote for an input file named `name`.jsonl. */
function providerLines(provider: string, name: string): Record<string, any>[] {
  const file = join(workDirectory, ".batch_router", "generated", provider, `batch_dryrun-${name}_provider.jsonl`);
  return readFileSync(file, "utf8").trim().split("\n").map((line) => JSON.parse(line));
}

describe("batch-router convert: conversion rules", () => {
  before(() => {
    workDirectory = mkdtempSync(join(tmpdir(), "batch-router-cli-conversion-"));
  });

  test("an Anthropic prefill ending in whitespace is trimmed, with a warning (case 07)", async () => {
    const result = await run(["convert", join(cases, "07-anthropic-prefill-trailing-space", "requests.jsonl"), "--provider", "anthropic"]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /warning: request 0 \(customId "prefill-space"\): messages\[1\]\.content: .*trailing whitespace/);
    const sent = providerLines("anthropic", "requests").map((line) => line.params.messages[1].content);
    assert.deepEqual(sent, ['{"capital":', "<thinking>", [{ type: "text", text: "1." }]]);
  });

  test("a misplaced Gemini setting is refused naming the right place, or dropped with --drop-unsupported (case 11)", async () => {
    const input = join(cases, "11-gemini-thinking-config-placement", "requests-snake-top.jsonl");
    const refused = await run(["convert", input, "--provider", "google"]);
    assert.equal(refused.code, 3);
    assert.match(refused.stderr, /request 0 \(line \d+, customId "think-snake"\): providerKwargs\.thinking_config: .*generationConfig\.thinkingConfig/);
    const dropped = await run(["convert", input, "--provider", "google", "--drop-unsupported"]);
    assert.equal(dropped.code, 0, dropped.stderr);
    assert.match(dropped.stdout, /warning: request 0 \(customId "think-snake"\): providerKwargs\.thinking_config: /);
    assert.equal(providerLines("google", "requests-snake-top")[0].request.thinking_config, undefined);
  });

  test("a data: URL reaches every provider once; data that is not base64 is refused before sending (case 23)", async () => {
    const input = join(cases, "23-base64-data-url-prefix", "request-data-url.jsonl");
    const result = await run(["convert", input, "--provider", "all", "--model", "m"]);
    assert.equal(result.code, 0, result.stderr);
    const [openai] = providerLines("openai", "request-data-url");
    const url: string = openai.body.messages[0].content[0].image_url.url;
    assert.equal(url.split("data:").length, 2, url);
    const [anthropic] = providerLines("anthropic", "request-data-url");
    assert.ok(!anthropic.params.messages[0].content[0].source.data.startsWith("data:"));

    const bad = join(workDirectory, "placeholder.jsonl");
    const line = readFileSync(input, "utf8").replace(/"data": "[^"]*"/, '"data": "<base64 image here>"');
    writeFileSync(bad, line);
    const refused = await run(["convert", bad, "--provider", "mistral", "--model", "m"]);
    assert.equal(refused.code, 3);
    assert.match(refused.stderr, /request 0 \(line \d+, customId "img-data-url"\): messages\[0\]\.content\[0\]\.data: .*not base64/);
  });
});
