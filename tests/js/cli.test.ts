/**
 * The `batch-router` command driven as a user would: a real process, piped and on a terminal (a
 * pseudo-terminal from util-linux `script`), against the OpenAI emulator on 127.0.0.1; asserting on
 * what is printed and on the exit codes.
 */
import assert from "node:assert/strict";
import { execFile, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";

import { OpenAIEmulator } from "../emulators/openai-emulator.js";
import { serve, type RunningServer } from "../support/serve.js";

/** The model of each provider that does not serve OpenAI's models (a request's `models`). */
const PER_PROVIDER = { anthropic: "claude-haiku-4-5", google: "gemini-2.5-flash", mistral: "mistral-small-latest" };

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
const cli = join(root, "npm", "dist", "cli.js");
const KEY = "fake-cli-secret-0123456789abcdefghij";
const nodeBinary = process.env.NODE_BINARY ?? "node";

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function run(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(nodeBinary, [cli, ...args], { env: { ...process.env, ...env }, cwd: workDirectory }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === "number" ? error.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

let workDirectory = "";

describe("batch-router CLI", () => {
  let emulator: OpenAIEmulator;
  let server: RunningServer;
  let requestsFile: string;
  let connection: string[];

  before(async () => {
    workDirectory = mkdtempSync(join(tmpdir(), "batch-router-cli-"));
    emulator = new OpenAIEmulator({ apiKey: KEY, readsPerState: 1 });
    server = await serve(emulator.fetch);
    requestsFile = join(workDirectory, "requests.jsonl");
    writeFileSync(
      requestsFile,
      ["a", "b", "c"].map((id) => JSON.stringify({ customId: id, model: "gpt-4o-mini", models: PER_PROVIDER, messages: [{ role: "user", content: `say ${id}` }] })).join("\n") + "\n",
    );
    connection = ["--provider", "openai", "--base-url", `${server.url}/v1`, "--api-key", KEY];
  });

  after(async () => {
    await server.close();
  });

  test("convert is a dry run that writes the files and exits 0", async () => {
    const result = await run(["convert", requestsFile, "--provider", "all"]);
    assert.equal(result.code, 0, result.stderr);
    for (const provider of ["openai", "anthropic", "google", "mistral", "vllm"]) {
      assert.match(result.stdout, new RegExp(`^${provider}: 3 requests valid`, "m"));
      assert.ok(existsSync(join(workDirectory, ".batch_router", "generated", provider, "batch_dryrun-requests_provider.jsonl")));
    }
    const json = await run(["convert", requestsFile, "--provider", "anthropic", "--json", "--model", "claude-sonnet-4-5"]);
    const document = JSON.parse(json.stdout);
    assert.equal(document.ok, true);
    assert.equal(document.conversions[0].summary.model, "claude-sonnet-4-5");
  });

  test("models are named per provider; another provider's model is refused, an unknown one noted", async () => {
    const plain = join(workDirectory, "plain.jsonl");
    writeFileSync(plain, JSON.stringify({ customId: "p", model: "gpt-4o-mini", messages: [{ role: "user", content: "hi" }], generationConfig: { temperature: 0.2 } }) + "\n");
    const foreign = await run(["convert", plain, "--provider", "anthropic"]);
    assert.equal(foreign.code, 3);
    assert.match(foreign.stderr, /request 0 \(line 1, customId "p"\): model: "gpt-4o-mini" is a model of OpenAI, not of Anthropic.*--model anthropic=MODEL/);
    const named = await run(["convert", plain, "--provider", "all", "--model", "anthropic=claude-opus-4-7", "--model", "google=gemini-9-ultra", "--model", "mistral=mistral-small-latest", "--drop-unsupported"]);
    assert.equal(named.code, 0, named.stderr);
    // The rule behind a warning is printed: Opus 4.7 refuses temperature (left out here).
    assert.match(named.stdout, /^anthropic: 1 request valid.*model claude-opus-4-7/m);
    assert.match(named.stdout, /warning: request 0 \(customId "p"\): generationConfig\.temperature: claude-opus-4-7 refuses generationConfig\.temperature; fix: .*model rule: Anthropic/);
    assert.match(named.stdout, /note: unknown model "gemini-9-ultra" \(1 request\)/);
    const refused = await run(["convert", plain, "--provider", "anthropic", "--model", "anthropic=claude-opus-4-7"]);
    assert.equal(refused.code, 3);
    assert.match(refused.stderr, /generationConfig\.temperature: claude-opus-4-7 refuses/);
    // The fix names the CLI's flag, not the library's option.
    assert.match(refused.stderr, /\(pass --drop-unsupported to leave it out instead\)/);
    assert.doesNotMatch(refused.stderr, /set dropUnsupported/);
    const version = await run(["convert", plain, "--provider", "anthropic", "--model", "anthropic=claude-haiku-4-5", "--anthropic-version", "2026-10-21"]);
    assert.equal(version.code, 3);
    assert.match(version.stderr, /API version 2026-10-21/);
    assert.equal((await run(["convert", plain, "--provider", "all", "--model", "cohere=x"])).code, 2);
  });

  test("convert --provider all: a provider that refuses the file is reported, the others are still written, exit 3", async () => {
    const seeded = join(workDirectory, "seeded.jsonl");
    writeFileSync(seeded, JSON.stringify({ customId: "s", model: "gpt-4o-mini", models: PER_PROVIDER, messages: [{ role: "user", content: "hi" }], generationConfig: { seed: 7 } }) + "\n");
    const dir = join(workDirectory, "seeded-out");
    const result = await run(["convert", seeded, "--provider", "all", "--dir", dir]);
    assert.equal(result.code, 3, result.stderr);
    assert.match(result.stdout, /^openai: 1 request valid/m);
    assert.ok(existsSync(join(dir, "generated", "openai", "batch_dryrun-seeded_provider.jsonl")));
    assert.match(result.stderr, /^anthropic: refused, nothing written: request 0 \(line 1, customId "s"\): generationConfig\.seed: /m);
    assert.ok(!existsSync(join(dir, "generated", "anthropic", "batch_dryrun-seeded_provider.jsonl")));
    const json = await run(["convert", seeded, "--provider", "all", "--dir", dir, "--json"]);
    assert.equal(json.code, 3);
    const document = JSON.parse(json.stdout);
    assert.equal(document.ok, false);
    assert.ok(document.conversions.some((conversion: { provider: string }) => conversion.provider === "openai"));
    const anthropic = document.refused.find((refusal: { provider: string }) => refusal.provider === "anthropic");
    assert.deepEqual([anthropic.code, anthropic.index, anthropic.customId, anthropic.field], ["validation", 0, "s", "generationConfig.seed"]);
    assert.equal(document.refused.length + document.conversions.length, 9);
    // One provider named: its refusal is the command's error, as before.
    const single = await run(["convert", seeded, "--provider", "anthropic", "--dir", dir]);
    assert.equal(single.code, 3);
    assert.match(single.stderr, /^error: request 0 \(line 1, customId "s"\): generationConfig\.seed/);
  });

  test("a validation error is one line naming request and field, exit 3", async () => {
    const bad = join(workDirectory, "bad.jsonl");
    writeFileSync(bad, '{"customId":"ok","model":"m","messages":[{"role":"user","content":"x"}]}\n{"customId":"k","model":"m","messages":[{"role":"user","content":"x"}],"generationConfig":{"topK":2}}\n');
    const result = await run(["convert", bad, "--provider", "openai"]);
    assert.equal(result.code, 3);
    assert.equal(result.stderr.trim().split("\n").length, 1);
    assert.match(result.stderr, /request 1 \(line 2, customId "k"\): generationConfig\.topK/);
    const json = await run(["convert", bad, "--provider", "openai", "--json"]);
    assert.deepEqual([JSON.parse(json.stdout).index, JSON.parse(json.stdout).field], [1, "generationConfig.topK"]);
  });

  test("usage errors exit 2 and every command has --help", async () => {
    assert.equal((await run([])).code, 2);
    assert.equal((await run(["frobnicate"])).code, 2);
    assert.equal((await run(["convert", requestsFile])).code, 2);
    assert.equal((await run(["status", "not-an-id"])).code, 2);
    for (const command of ["convert", "submit", "status", "wait", "results", "cancel", "list", "sidecar"]) {
      const help = await run([command, "--help"]);
      assert.equal(help.code, 0, command);
      assert.match(help.stdout, new RegExp(`^Usage: batch-router ${command}`), command);
    }
  });

  test("submit, status, wait (piped), results, list and cancel through a real process", async () => {
    const submitted = await run(["submit", requestsFile, ...connection, "--metadata", "job=cli"]);
    assert.equal(submitted.code, 0, submitted.stderr);
    const batchId = submitted.stdout.trim();
    assert.match(batchId, /^batch_\d+$/);

    const early = await run(["results", batchId, ...connection]);
    assert.equal(early.code, 5, early.stderr);
    assert.match(early.stderr, /not complete/);

    // The provider is inferred from the id's shape: no --provider needed.
    const inferred = ["--base-url", `${server.url}/v1`, "--api-key", KEY];
    const status = await run(["status", batchId, ...inferred, "--json"]);
    assert.equal(status.code, 0, status.stderr);
    assert.equal(JSON.parse(status.stdout).status.batchId, batchId);

    const waited = await run(["wait", batchId, ...inferred, "--interval", "0.05"]);
    assert.equal(waited.code, 0, waited.stderr);
    assert.doesNotMatch(waited.stderr, /\r/);
    assert.match(waited.stderr, /^\[\d\d:\d\d\] .*done/m);
    assert.match(waited.stdout, new RegExp(`^${batchId}  completed \\(completed\\)  3 requests: 3 succeeded`));

    const out = join(workDirectory, "results.jsonl");
    const results = await run(["results", batchId, ...inferred, "--out", out]);
    assert.equal(results.code, 0, results.stderr);
    assert.match(results.stderr, /3 results: 3 succeeded/);
    const lines = readFileSync(out, "utf8").trim().split("\n").map((line) => JSON.parse(line));
    assert.deepEqual(lines.map((line) => line.customId).sort(), ["a", "b", "c"]);

    const listed = await run(["list", ...connection, "--limit", "5", "--json"]);
    assert.equal(JSON.parse(listed.stdout).batches[0].batchId, batchId);

    const cancelled = await run(["cancel", batchId, ...inferred]);
    assert.equal(cancelled.code, 0);
    assert.match(cancelled.stdout, /had already ended/);
  });

  test("wait on a terminal draws a progress bar with counts and elapsed time", async () => {
    const submitted = await run(["submit", requestsFile, ...connection]);
    const batchId = submitted.stdout.trim();
    const command = [nodeBinary, cli, "wait", batchId, ...connection, "--interval", "0.05"].map((part) => `'${part}'`).join(" ");
    // util-linux `script` (Debian's essential bsdutils) runs the command on a pseudo-terminal.
    const terminal = await new Promise<{ status: number | null; output: string }>((resolve, reject) => {
      const child = spawn("script", ["-qfec", command, "/dev/null"], { cwd: workDirectory, env: process.env });
      let output = "";
      child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
      child.on("error", reject);
      child.on("close", (status) => resolve({ status, output }));
    });
    assert.equal(terminal.status, 0, terminal.output);
    assert.match(terminal.output, /\r\x1b\[2K/);
    assert.match(terminal.output, /\[█+░*\] \d\/3 .*\d\d:\d\d/);
    assert.match(terminal.output, /completed/);
  });

  test("a reader that closes the pipe early ends the command quietly", async () => {
    const piped = await new Promise<{ status: number | null; stderr: string }>((resolve, reject) => {
      const command = `'${nodeBinary}' '${cli}' convert '${requestsFile}' --provider all | true; echo "status \${PIPESTATUS[0]}" >&2`;
      const child = spawn("bash", ["-c", command], { cwd: workDirectory, env: process.env });
      let stderr = "";
      child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
      child.on("error", reject);
      child.on("close", (status) => resolve({ status, stderr }));
    });
    assert.equal(piped.status, 0);
    assert.match(piped.stderr, /^status 0\n$/);
  });

  test("a provider error is one line with exit 4, and the key is never printed", async () => {
    const result = await run(["status", "batch_missing", ...connection]);
    assert.equal(result.code, 4);
    assert.match(result.stderr, /^error: openai batch batch_missing was not found\n$/);
    const wrongKey = await run(["status", "batch_000001", "--provider", "openai", "--base-url", `${server.url}/v1`, "--api-key", "fake-wrong-key-that-must-not-leak"]);
    assert.equal(wrongKey.code, 4);
    assert.ok(!wrongKey.stderr.includes("fake-wrong-key-that-must-not-leak") && !wrongKey.stdout.includes("fake-wrong-key-that-must-not-leak"));
    const noKey = await run(["status", "batch_000001", "--provider", "openai"], { OPENAI_API_KEY: "" });
    assert.equal(noKey.code, 1);
    assert.match(noKey.stderr, /OPENAI_API_KEY/);
  });
});
