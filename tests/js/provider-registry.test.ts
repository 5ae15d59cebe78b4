/**
 * The one registry of providers (crates/core/src/registry.rs) and everything that reads it: the
 * package's `providerEntries()`, the README's tables, the CLI (names, aliases, id inference, the dry
 * run of `--provider all`, help), the router's jobs and the switch-providers example — for the
 * providers added with it (Groq, Azure OpenAI) against their emulators.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";

import { BatchRouter, MemoryStorage, providerEntries, type ProviderName } from "batch-router";

import { azureOpenAIEmulator } from "../emulators/azure-openai-emulator.js";
import { groqEmulator } from "../emulators/groq-emulator.js";
import type { OpenAIEmulator } from "../emulators/openai-emulator.js";
import { FaultyFetch, scriptedFaults } from "../support/faults.js";
import { collect, fastRouterOptions } from "../support/jobs.js";
import { textRequest } from "../support/requests.js";
import { serve, type RunningServer } from "../support/serve.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
const cli = join(root, "npm", "dist", "cli.js");
const KEY = "fake-registry-key-0123456789abcdef";
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

/** The CLI, a Node program. */
function runCli(args: string[], env: Record<string, string> = {}, cwd = mkdtempSync(join(tmpdir(), "batch-router-registry-"))): Promise<Run> {
  return execute(process.env.NODE_BINARY ?? "node", [cli, ...args], env, cwd);
}

test("the registry lists every provider once, with its class, variables and id shape", () => {
  const entries = providerEntries();
  assert.deepEqual(entries.map((entry) => entry.name), ["openai", "anthropic", "google", "mistral", "vllm", "groq", "azure", "together", "xai"]);
  const byName = new Map(entries.map((entry) => [entry.name, entry]));
  assert.deepEqual(byName.get("google")!.aliases, ["gemini"]);
  assert.deepEqual(byName.get("groq")!.keyVariables, ["GROQ_API_KEY"]);
  assert.equal(byName.get("azure")!.endpointVariable, "AZURE_OPENAI_ENDPOINT");
  assert.equal(byName.get("anthropic")!.batchIdShape, "msgbatch_…");
  assert.equal(byName.get("groq")!.batchIdShape, undefined);
  assert.equal(byName.get("azure")!.batchIdShape, "batch_<UUID>");
  assert.deepEqual(byName.get("together")!.keyVariables, ["TOGETHER_API_KEY"]);
  assert.equal(byName.get("together")!.className, "TogetherProvider");
  assert.equal(byName.get("xai")!.className, "XAIProvider");
  assert.equal(byName.get("together")!.batchIdShape, undefined, "Together's UUID ids look like Mistral's");
  assert.equal(byName.get("xai")!.batchIdShape, undefined);
});

test("the README documents every registry entry: class, key variables, a capability column", () => {
  const readme = readFileSync(join(root, "README.md"), "utf8");
  const environmentTable = readme.slice(readme.indexOf("## Environment variables"), readme.indexOf("## Error handling"));
  const capabilityHeader = readme.split("\n").find((line) => line.startsWith("| | OpenAI | Anthropic"))!;
  for (const entry of providerEntries()) {
    assert.ok(readme.includes(entry.className), `README does not mention ${entry.className}`);
    for (const variable of [...entry.keyVariables, entry.baseUrlVariable, entry.endpointVariable, entry.apiVersionVariable]) {
      if (variable !== undefined) assert.ok(environmentTable.includes(`\`${variable}\``), `${variable} is missing from the environment table`);
    }
    assert.ok(capabilityHeader.includes(` ${entry.displayName} |`), `no "${entry.displayName}" column in: ${capabilityHeader}`);
  }
});

test("the CLI reads the registry: help, aliases, unknown names, id inference", async () => {
  const help = await runCli(["--help"]);
  assert.match(help.stdout, /groq, azure \(azure-openai\)/);
  assert.match(help.stdout, /GROQ_API_KEY/);
  // Every command that takes --provider lists the registry's providers, none from a list of its own.
  for (const command of ["convert", "estimate", "submit", "status", "list"]) {
    const commandHelp = await runCli([command, "--help"]);
    assert.match(commandHelp.stdout, /groq, azure \(azure-openai\)/, command);
  }
  const unknown = await runCli(["list", "--provider", "cohere"]);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /unknown provider "cohere"; expected one of openai, anthropic, google, mistral, vllm, groq, azure/);
  const noEndpoint = await runCli(["list", "--provider", "azure-openai", "--api-key", KEY], { AZURE_OPENAI_ENDPOINT: "" });
  assert.notEqual(noEndpoint.code, 0);
  assert.match(noEndpoint.stderr, /AZURE_OPENAI_ENDPOINT/);
  assert.ok(!noEndpoint.stderr.includes(KEY));
  // A fresh Azure id (`batch_` + a UUID) is not taken for an OpenAI one.
  const azureId = await runCli(["status", "batch_6caaf24d-54a5-46be-b1b7-518884fcbdde"], { AZURE_OPENAI_API_KEY: "", AZURE_OPENAI_ENDPOINT: "" });
  assert.notEqual(azureId.code, 0);
  assert.match(azureId.stderr, /AZURE_OPENAI_ENDPOINT/);
  const uninferable = await runCli(["status", "job-42"]);
  assert.equal(uninferable.code, 2);
  assert.match(uninferable.stderr, /pass --provider/);
});

test("convert --provider all writes every provider's files, Groq's and Azure's included", async () => {
  const cwd = mkdtempSync(join(tmpdir(), "batch-router-registry-"));
  const file = join(cwd, "requests.jsonl");
  writeFileSync(file, JSON.stringify(textRequest("a", "hello", "gpt-4o-mini")) + "\n");
  const models = ["anthropic=claude-haiku-4-5", "google=gemini-2.5-flash", "mistral=mistral-small-latest"].flatMap((choice) => ["--model", choice]);
  const result = await runCli(["convert", file, "--provider", "all", "--dir", cwd, ...models], {}, cwd);
  assert.equal(result.code, 0, result.stderr);
  for (const name of ["groq", "azure", "together", "xai"]) {
    const lines = readFileSync(join(cwd, "generated", name, "batch_dryrun-requests_provider.jsonl"), "utf8").trim().split("\n");
    assert.deepEqual(JSON.parse(lines[0]!), { custom_id: "a", method: "POST", url: "/v1/chat/completions", body: { model: "gpt-4o-mini", messages: [{ role: "user", content: "hello" }] } });
  }
  assert.match(result.stdout, /^groq: 1 request valid/m);
  assert.match(result.stdout, /^azure: 1 request valid/m);
  assert.match(result.stdout, /^together: 1 request valid/m);
  assert.match(result.stdout, /^xai: 1 request valid/m);
});

describe("Groq and Azure OpenAI through the CLI, jobs and the example", () => {
  let groq: OpenAIEmulator;
  let azure: OpenAIEmulator;
  let groqServer: RunningServer;
  let azureServer: RunningServer;

  before(async () => {
    groq = groqEmulator({ apiKey: KEY });
    azure = azureOpenAIEmulator({ apiKey: KEY });
    groqServer = await serve(groq.fetch);
    azureServer = await serve(azure.fetch);
  });

  after(async () => {
    await groqServer.close();
    await azureServer.close();
  });

  test("the CLI submits, reads and lists with --provider groq and --provider azure (keys from the environment)", async () => {
    const cwd = mkdtempSync(join(tmpdir(), "batch-router-registry-"));
    const file = join(cwd, "requests.jsonl");
    writeFileSync(file, ["x", "y"].map((id) => JSON.stringify(textRequest(id, `say ${id}`, "gpt-4o-mini"))).join("\n") + "\n");
    const environments: Record<string, Record<string, string>> = {
      groq: { GROQ_API_KEY: KEY, GROQ_BASE_URL: `${groqServer.url}/openai/v1` },
      azure: { AZURE_OPENAI_API_KEY: KEY, AZURE_OPENAI_ENDPOINT: azureServer.url },
    };
    for (const [name, env] of Object.entries(environments)) {
      const submitted = await runCli(["submit", file, "--provider", name, "--json"], env, cwd);
      assert.equal(submitted.code, 0, submitted.stderr);
      const batchId = JSON.parse(submitted.stdout).batchId as string;
      assert.match(batchId, /^batch_/);
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

  for (const name of ["groq", "azure"] as ProviderName[]) {
    test(`${name}: a job whose create answer was lost finds its batch instead of creating it again`, async () => {
      const emulator = name === "groq" ? groqEmulator({ apiKey: KEY }) : azureOpenAIEmulator({ apiKey: KEY });
      const faulty = new FaultyFetch(emulator.fetch, scriptedFaults([{ method: "POST", path: /\/batches$/, fault: "answer_lost" }]));
      const baseUrl = "http://emulated.invalid/openai/v1";
      const router = new BatchRouter({
        providers: { [name]: { apiKey: KEY, baseUrl, fetch: faulty.fetch } },
        storage: new MemoryStorage(),
        ...fastRouterOptions(),
        plan: { maxRequestsPerBatch: 3 },
      });
      const requests = Array.from({ length: 7 }, (_, index) => textRequest(`item-${index}`, `question ${index}`, "gpt-4o-mini"));
      const summary = await router.runJob({ provider: name, requests }, { jobId: `lost-${name}` });
      assert.deepEqual(faulty.injected.map((fault) => fault.fault), ["answer_lost"]);
      assert.equal(summary.batches, 3);
      assert.equal(emulator.batches.size, 3);
      const results = await collect(router.getJobResults(`lost-${name}`));
      assert.deepEqual(results.map((result) => result.customId).sort(), requests.map((request) => request.customId).sort());
      assert.ok(results.every((result) => result.status === "succeeded"));
    });
  }

  test("switch-providers.mjs sends the same requests to groq and azure by name", async () => {
    const command = deno ? [deno.execPath(), "run", "--allow-all"] : [process.execPath];
    const env = {
      GROQ_API_KEY: KEY,
      GROQ_BASE_URL: `${groqServer.url}/openai/v1`,
      AZURE_OPENAI_API_KEY: KEY,
      AZURE_OPENAI_ENDPOINT: azureServer.url,
      EXAMPLE_POLL_SECONDS: "0",
    };
    const cwd = mkdtempSync(join(tmpdir(), "batch-router-registry-"));
    const result = await execute(command[0]!, [...command.slice(1), join(root, "examples", "switch-providers.mjs"), "groq", "azure"], env, cwd);
    assert.equal(result.code, 0, result.stderr);
    for (const name of ["groq", "azure"]) {
      assert.match(result.stdout, new RegExp(`^\\[${name}\\] batch batch_\\S+ completed`, "m"));
      assert.match(result.stdout, new RegExp(`^\\[${name}\\] capital: succeeded: \\S`, "m"));
    }
    assert.match(result.stdout, /^\[azure\] batch \S+ completed \(Completed\)/m);
  });
});
