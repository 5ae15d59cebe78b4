/**
 * Existing OpenAI batch input files as unified requests: the function and
 * `batch-router convert FILE --from openai --provider P`. A round trip unified → OpenAI → unified
 * gives back the same requests; the imported requests convert to another provider's spec-valid lines.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

import { OpenAIProvider, ValidationError, unifiedFromOpenAIBatch, type UnifiedRequest } from "batch-router";

import { specValidator } from "../support/spec-validator.js";
import { structuredOutputRequests } from "../support/structured-requests.js";
import { toolRequests } from "../support/tool-requests.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
const cli = join(root, "npm", "dist", "cli.js");
const nodeBinary = process.env.NODE_BINARY ?? "node";
const validateAnthropic = specValidator("anthropic", "MessageBatchIndividualRequestParams");

/** Tool transcripts without what OpenAI has no field for (reasoning parts, isError). */
function openAIExpressible(requests: UnifiedRequest[]): UnifiedRequest[] {
  return JSON.parse(JSON.stringify(requests), (key, value) => {
    if (Array.isArray(value)) return value.filter((part) => !(part && typeof part === "object" && part.type === "reasoning"));
    if (key === "isError") return undefined;
    return value;
  });
}

test("unified → OpenAI → unified gives back the same requests", () => {
  const requests = openAIExpressible([...structuredOutputRequests("gpt-4.1-mini").slice(0, 1), ...toolRequests("gpt-4.1-mini")]);
  const { providerJsonl } = new OpenAIProvider({ apiKey: "k", storage: false }).prepareBatch(requests);
  assert.deepEqual(unifiedFromOpenAIBatch(providerJsonl), requests);
});

test("what cannot be kept is refused naming request and field", () => {
  const line = { custom_id: "audio", method: "POST", url: "/v1/chat/completions", body: { model: "m", messages: [{ role: "user", content: [{ type: "input_audio", input_audio: { data: "", format: "wav" } }] }] } };
  assert.throws(() => unifiedFromOpenAIBatch(JSON.stringify(line)), (error: unknown) => {
    assert.ok(error instanceof ValidationError);
    assert.deepEqual([error.index, error.customId, error.field], [0, "audio", "body.messages[0].content[0]"]);
    return true;
  });
});

test("batch-router convert --from openai --provider anthropic writes spec-valid lines", async () => {
  const directory = mkdtempSync(join(tmpdir(), "batch-router-import-"));
  const requests = openAIExpressible(toolRequests("gpt-4.1-mini"));
  writeFileSync(join(directory, "openai.jsonl"), new OpenAIProvider({ apiKey: "k", storage: false }).prepareBatch(requests).providerJsonl);
  const code = await new Promise<number>((resolve) => {
    execFile(nodeBinary, [cli, "convert", "openai.jsonl", "--from", "openai", "--provider", "anthropic", "--model", "claude-sonnet-4-5"], { cwd: directory }, (error) =>
      resolve(error ? (typeof error.code === "number" ? error.code : 1) : 0),
    );
  });
  assert.equal(code, 0);
  const written = readFileSync(join(directory, ".batch_router", "generated", "anthropic", "batch_dryrun-openai_provider.jsonl"), "utf8");
  const lines = written.trim().split("\n").map((line) => JSON.parse(line));
  assert.equal(lines.length, requests.length);
  for (const line of lines) assert.deepEqual(validateAnthropic(line), [], line.custom_id);
});
