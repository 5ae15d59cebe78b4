/**
 * VLLMProvider end to end: it starts `batch-router-sidecar` (built by `cargo test`/`cargo build`) as a
 * child process, the sidecar runs the stand-in `vllm` (tests/stand-ins/vllm), and the same calls as
 * for a cloud provider give the same kind of results. Also against a sidecar already running at a
 * `baseUrl`.
 */
import assert from "node:assert/strict";
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";

import { MemoryStorage, VLLMProvider, ValidationError, type UnifiedRequest } from "batch-router";
import { collect } from "../support/batches.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
const sidecar = process.env.SIDECAR_BIN ?? join(root, "target", "debug", "batch-router-sidecar");
const standIn = join(root, "tests", "stand-ins", "vllm");

function request(customId: string, text: string, model = "stand-in-model"): UnifiedRequest {
  return { customId, model, messages: [{ role: "user", content: text }], generationConfig: { maxTokens: 32, topK: 20 } };
}

async function waitUntilComplete(provider: VLLMProvider, batchId: string) {
  const seen: string[] = [];
  for (let attempt = 0; attempt < 300; attempt++) {
    const status = await provider.getStatus(batchId);
    if (seen.at(-1) !== status.rawStatus) seen.push(status.rawStatus);
    if (status.isComplete()) return { status, seen };
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`batch ${batchId} did not complete; saw ${seen.join(" → ")}`);
}

describe("VLLMProvider whose sidecar cannot start", () => {
  test("sendBatch is a ConfigurationError, and close() then resolves (Deno and Bun emit no exit after a failed spawn)", async () => {
    const missing = new VLLMProvider({ sidecarPath: join(root, "tests", "no-such-sidecar"), storage: false, sidecarLog: "ignore" });
    await assert.rejects(missing.sendBatch({ provider: "vllm", requests: [request("a", "hi")] }), (error: Error) => error.name === "ConfigurationError" && /cannot start/.test(error.message));
    assert.equal(missing.sidecarProcessId, undefined);
    let closed = false;
    const closing = missing.close().then(() => (closed = true));
    await Promise.race([closing, new Promise((resolve) => setTimeout(resolve, 5_000))]);
    assert.ok(closed, "close() settled");
  });
});

describe("VLLMProvider and the run-batch flags tools and reasoning need", () => {
  // vLLM parses tool calls only with --tool-call-parser (tool choice "auto" also needs
  // --enable-auto-tool-choice) and splits reasoning only with --reasoning-parser (reference
  // §7.5); a new-user trial found batches with both converted without a word.
  const requests: UnifiedRequest[] = [
    request("plain", "hi"),
    { ...request("tools", "weather?"), tools: [{ name: "weather", parameters: { type: "object", properties: {} } }] },
    { ...request("thinks", "why?"), reasoning: { effort: "low" } },
  ];
  const flagWarnings = (provider: VLLMProvider) => provider.prepareBatch({ provider: "vllm", requests }).summary.warnings.filter((warning) => warning.field === "tools" || warning.field === "reasoning");

  test("without the options, each is warned about once, naming the request and the flags", () => {
    const warnings = flagWarnings(new VLLMProvider({ storage: false }));
    assert.deepEqual(warnings.map((warning) => [warning.index, warning.customId, warning.field]), [[1, "tools", "tools"], [2, "thinks", "reasoning"]]);
    assert.match(warnings[0]!.message, /--enable-auto-tool-choice and --tool-call-parser/);
    assert.match(warnings[0]!.message, /toolCallParser/);
    assert.match(warnings[1]!.message, /--reasoning-parser/);
  });

  test("toolCallParser and reasoningParser (or the same flags in additionalArgs) give them, and no warning is left", () => {
    assert.deepEqual(flagWarnings(new VLLMProvider({ storage: false, toolCallParser: "hermes", reasoningParser: "qwen3" })), []);
    const byHand = new VLLMProvider({ storage: false, additionalArgs: ["--enable-auto-tool-choice", "--tool-call-parser", "hermes", "--reasoning-parser=qwen3"] });
    assert.deepEqual(flagWarnings(byHand), []);
  });

  test("a running sidecar's flags are unknown: warned about, whatever the options", () => {
    const running = new VLLMProvider({ storage: false, baseUrl: "http://127.0.0.1:9/v1", toolCallParser: "hermes" });
    const warnings = flagWarnings(running);
    assert.equal(warnings.length, 2);
    assert.match(warnings[0]!.message, /cannot see how it was started/);
  });
});

describe("VLLMProvider through the sidecar and the stand-in vLLM", () => {
  let provider: VLLMProvider;

  before(() => {
    assert.ok(existsSync(sidecar), `${sidecar} is missing: run cargo build -p batch-router-sidecar`);
    provider = new VLLMProvider({
      sidecarPath: sidecar,
      vllmCommand: standIn,
      additionalArgs: ["--tensor-parallel-size", "2"],
      stateDirectory: mkdtempSync(join(tmpdir(), "batch-router-vllm-")),
      storage: new MemoryStorage(),
      sidecarLog: "ignore",
    });
  });

  after(async () => {
    await provider.close();
  });

  test("a batch runs through vllm run-batch and results come back normalized, errors included", async () => {
    const requests = [request("ok-1", "hello"), request("ok-2", "world"), request("engine", "please ENGINE_ERROR"), request("text", "STRING_ERROR now")];
    const batchId = await provider.sendBatch({ provider: "vllm", requests });
    assert.ok(provider.sidecarProcessId, "the provider started a sidecar");
    const { status, seen } = await waitUntilComplete(provider, batchId);
    assert.equal(status.status, "completed", seen.join(" → "));
    assert.equal(status.requestCounts.total, 4);
    assert.equal(status.requestCounts.succeeded, 2);
    assert.equal(status.requestCounts.errored, 2);
    const results = await collect(provider.getResults(batchId));
    assert.deepEqual(results.map((result) => result.customId).sort(), ["engine", "ok-1", "ok-2", "text"]);
    const byId = new Map(results.map((result) => [result.customId, result]));
    assert.equal(byId.get("ok-1")?.status, "succeeded");
    assert.ok((byId.get("ok-1")?.response?.text ?? "").length > 0);
    assert.equal(byId.get("engine")?.status, "errored");
    assert.equal(byId.get("engine")?.error?.httpStatus, 400);
    assert.equal(byId.get("text")?.status, "errored");
  });

  test("vLLM takes topK, but documents are refused before anything is sent", async () => {
    assert.throws(
      () =>
        provider.prepareBatch([
          { customId: "pdf", model: "m", messages: [{ role: "user", content: [{ type: "document", sourceType: "base64", mediaType: "application/pdf", data: "JVBERi0=" }] }] },
        ]),
      (error: unknown) => error instanceof ValidationError && error.customId === "pdf",
    );
    const prepared = provider.prepareBatch([request("k", "x")]);
    assert.equal(JSON.parse(prepared.providerJsonl).body.top_k, 20);
  });

  test("cancel stops a slow run and keeps what finished; list shows the batches", async () => {
    const requests = Array.from({ length: 20 }, (_, index) => request(`slow-${index}`, `line ${index}`, "slow-200"));
    const batchId = await provider.sendBatch({ provider: "vllm", requests });
    for (let attempt = 0; attempt < 200; attempt++) {
      const status = await provider.getStatus(batchId);
      if (status.rawStatus === "in_progress") break;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    assert.equal(await provider.cancelBatch(batchId), true);
    const { status } = await waitUntilComplete(provider, batchId);
    assert.equal(status.status, "cancelled");
    // The status and the results agree: requests that never ran are cancelled, not errored.
    assert.equal(status.requestCounts.errored, 0, JSON.stringify(status.requestCounts));
    assert.ok(status.requestCounts.cancelled > 0, JSON.stringify(status.requestCounts));
    const results = await collect(provider.getResults(batchId));
    assert.equal(results.length, 20);
    assert.ok(results.some((result) => result.status === "cancelled"));
    const listed = await provider.listBatches({ limit: 10 });
    assert.ok(listed.some((batch) => batch.batchId === batchId));
  });

  test("a second provider talks to the running sidecar at its baseUrl", async () => {
    const pid = provider.sidecarProcessId;
    assert.ok(pid);
    const recent = await provider.listBatches({ limit: 1 });
    assert.equal(recent.length, 1);
    const url = provider.sidecarUrl;
    assert.match(url ?? "", /^http:\/\/127\.0\.0\.1:\d+\/v1$/);
    const second = new VLLMProvider({ baseUrl: url, storage: false });
    const status = await second.getStatus(recent[0]!.batchId);
    assert.equal(status.batchId, recent[0]!.batchId);
    await second.close();
    assert.equal(provider.sidecarProcessId, pid, "closing a provider given a baseUrl leaves the sidecar alone");
  });
});

