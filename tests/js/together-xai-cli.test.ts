/**
 * Together AI and xAI through the CLI and the switch-providers example, keys and base URLs from the
 * environment, against their emulators: submit, wait, results, list, the transparency files, and
 * no key in any output.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";

import { togetherEmulator } from "../emulators/together-emulator.js";
import { XAIEmulator } from "../emulators/xai-emulator.js";
import { textRequest } from "../support/requests.js";
import { serve, type RunningServer } from "../support/serve.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
const cli = join(root, "npm", "dist", "cli.js");
const KEY = "fake-cli-key-0123456789abcdef";
const deno = (globalThis as { Deno?: { execPath(): string } }).Deno;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function execute(command: string, args: string[], env: Record<string, string>, cwd: string): Promise<Run> {
  return new Promise((resolve) => {
    execFile(command, args, { env: { ...process.env, ...env }, cwd, timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === "number" ? error.code : 1) : 0, stdout, stderr });
    });
  });
}

function runCli(args: string[], env: Record<string, string>, cwd: string): Promise<Run> {
  return execute(process.env.NODE_BINARY ?? "node", [cli, ...args], env, cwd);
}

describe("Together AI and xAI through the CLI and the example", () => {
  let together: RunningServer;
  let xai: RunningServer;

  before(async () => {
    together = await serve(togetherEmulator({ apiKey: KEY }).fetch);
    xai = await serve(new XAIEmulator({ apiKey: KEY, maxPageSize: 1 }).fetch);
  });

  after(async () => {
    await together.close();
    await xai.close();
  });

  const environments = () => ({
    together: { TOGETHER_API_KEY: KEY, TOGETHER_BASE_URL: `${together.url}/v1` },
    xai: { XAI_API_KEY: KEY, XAI_BASE_URL: `${xai.url}/v1` },
  });

  test("submit, wait, results and list with --provider together and --provider xai (aliases too)", async () => {
    const cwd = mkdtempSync(join(tmpdir(), "batch-router-cli-"));
    const file = join(cwd, "requests.jsonl");
    writeFileSync(file, ["x", "y"].map((id) => JSON.stringify(textRequest(id, `say ${id}`, "some-model"))).join("\n") + "\n");
    for (const [name, env] of Object.entries(environments())) {
      const alias = name === "together" ? "together-ai" : "grok";
      const submitted = await runCli(["submit", file, "--provider", alias, "--json"], env, cwd);
      assert.equal(submitted.code, 0, submitted.stderr);
      const batchId = JSON.parse(submitted.stdout).batchId as string;
      const waited = await runCli(["wait", batchId, "--provider", name, "--interval", "0.01"], env, cwd);
      assert.equal(waited.code, 0, waited.stderr);
      const results = await runCli(["results", batchId, "--provider", name], env, cwd);
      assert.equal(results.code, 0, results.stderr);
      assert.deepEqual(results.stdout.trim().split("\n").map((line) => JSON.parse(line).status), ["succeeded", "succeeded"]);
      const listed = await runCli(["list", "--provider", name, "--json"], env, cwd);
      assert.equal(listed.code, 0, listed.stderr);
      assert.ok(listed.stdout.includes(batchId));
      assert.ok(existsSync(join(cwd, ".batch_router", "generated", name, `batch_${batchId}_results.jsonl`)));
      for (const run of [submitted, waited, results, listed]) assert.ok(!(run.stdout + run.stderr).includes(KEY));
    }
  });

  test("a Together batch id without --provider: the error says Mistral was inferred and suggests --provider together", async () => {
    const cwd = mkdtempSync(join(tmpdir(), "batch-router-cli-"));
    const file = join(cwd, "requests.jsonl");
    writeFileSync(file, JSON.stringify(textRequest("x", "say x", "some-model")) + "\n");
    const env = environments().together;
    const submitted = await runCli(["submit", file, "--provider", "together", "--json"], env, cwd);
    assert.equal(submitted.code, 0, submitted.stderr);
    const batchId = JSON.parse(submitted.stdout).batchId as string;
    // The id is a UUID, as Mistral's are: taken for Mistral's, whose API does not know it.
    const inferred = await runCli(["status", batchId], { ...env, MISTRAL_API_KEY: KEY, MISTRAL_BASE_URL: `${together.url}/v1` }, cwd);
    assert.notEqual(inferred.code, 0);
    assert.match(inferred.stderr, /taken to be mistral from the id's shape, a UUID; Together AI batch ids have the same shape: for one of those, pass --provider together\)/);
    assert.ok(!inferred.stderr.includes(KEY));
    // Named, it is found; a provider named by the caller gets no hint.
    assert.equal((await runCli(["status", batchId, "--provider", "together"], env, cwd)).code, 0);
    const named = await runCli(["status", batchId, "--provider", "mistral"], { MISTRAL_API_KEY: KEY, MISTRAL_BASE_URL: `${together.url}/v1` }, cwd);
    assert.notEqual(named.code, 0);
    assert.doesNotMatch(named.stderr, /--provider together/);
  });

  test("switch-providers.mjs sends the same requests to together and xai by name", async () => {
    const command = deno ? [deno.execPath(), "run", "--allow-all"] : [process.execPath];
    const env = { ...environments().together, ...environments().xai, EXAMPLE_POLL_SECONDS: "0" };
    const cwd = mkdtempSync(join(tmpdir(), "batch-router-cli-"));
    const result = await execute(command[0]!, [...command.slice(1), join(root, "examples", "switch-providers.mjs"), "together", "xai"], env, cwd);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^\[together\] batch \S+ completed \(COMPLETED\)/m);
    assert.match(result.stdout, /^\[xai\] batch \S+ completed \(completed\)/m);
    for (const name of ["together", "xai"]) assert.match(result.stdout, new RegExp(`^\\[${name}\\] capital: succeeded: \\S`, "m"));
  });
});
