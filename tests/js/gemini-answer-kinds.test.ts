/**
 * A Gemini batch answers one kind: a generate batch GenerateContentResponses, an embeddings batch
 * EmbedContentResponses. When the operation does not say its kind (no `@type`, no listed
 * requests), the kind its submission recorded decides, on both routes, for keyed and keyless
 * answers: an answer of the other kind is an errored result for its request, never a result of
 * the wrong shape (the first answer is the wrong one here: the kind nobody recorded would be told
 * by it). A job finished by another router (no record of the batch) knows it too.
 */
import assert from "node:assert/strict";
import { after, describe, test } from "node:test";

import { BatchRouter, MemoryStorage, type UnifiedResult } from "batch-router";

import type { JsonObject } from "../emulators/gemini-responses.js";
import { collect, fastRouterOptions } from "../support/jobs.js";
import { inlinedResponsesOf, startGemini, waitUntilComplete, type GeminiSetup } from "../support/gemini-harness.js";
import { geminiText } from "../support/gemini-requests.js";

const EMBEDDING = { embedding: { values: [0.5, 0.25] } };

/** Takes away everything in the operation that says its kind. */
function untyped(operation: JsonObject): void {
  const metadata = operation.metadata as JsonObject;
  delete metadata["@type"];
  delete metadata.inputConfig;
  delete (operation.response as JsonObject)["@type"];
}

function assertWrongKind(result: UnifiedResult, customId: string): void {
  assert.equal(result.customId, customId);
  assert.equal(result.status, "errored", JSON.stringify(result));
  assert.equal(result.response, undefined);
  assert.equal(result.error?.code, "embeddings_body", result.error?.message);
  assert.match(result.error!.message, /generateContent batch/);
}

describe("Gemini answers of the other kind than the batch's", () => {
  const setups: GeminiSetup[] = [];
  after(async () => {
    for (const setup of setups) await setup.server.close();
  });
  const requests = [geminiText("w-0", "first"), geminiText("w-1", "second"), geminiText("w-2", "third")];

  for (const route of ["inline", "file"] as const) {
    for (const keyless of route === "inline" ? [false, true] : [false]) {
      test(`${route}${keyless ? ", keyless answers matched by position" : ""}: an embedding in a generate batch is an error for its request`, async () => {
        const setup = await startGemini({ omitInlineKeys: keyless });
        setups.push(setup);
        const { emulator, providerWith } = setup;
        for (const provider of [providerWith({ route }), providerWith({ route, storage: false })]) {
          const batchId = await provider.sendBatch({ provider: "google", requests });
          await waitUntilComplete(provider, batchId);
          emulator.editOperation(batchId, untyped);
          if (route === "inline") {
            emulator.editOperation(batchId, (operation) => {
              inlinedResponsesOf(operation)[0]!.response = EMBEDDING;
            });
          } else {
            const file = emulator.batches.get(batchId)!.responsesFile!;
            const lines = emulator.files.text(file)!.trim().split("\n").map((line) => JSON.parse(line) as JsonObject);
            lines.find((line) => line.key === "w-0")!.response = EMBEDDING;
            emulator.files.setText(file, lines.map((line) => JSON.stringify(line)).join("\n") + "\n");
          }
          const results = await collect(provider.getResults(batchId));
          const byId = new Map(results.map((result) => [result.customId, result]));
          // The first answer is the wrong one: only the recorded kind can tell.
          assertWrongKind(byId.get("w-0")!, "w-0");
          for (const id of ["w-1", "w-2"]) assert.equal(byId.get(id)?.status, "succeeded", id);
          if (keyless) assert.ok(results.every((result) => result.attribution?.by === "position"));
        }
      });
    }
  }

  test("a job finished by another router, whose providers keep no record, knows the batch's kind", async () => {
    const setup = await startGemini({ omitInlineKeys: true });
    setups.push(setup);
    const { emulator, server } = setup;
    const storage = new MemoryStorage();
    const router = () =>
      new BatchRouter({
        providers: { google: { apiKey: "fake-google-emulator-key-0123456789abcdefXYZ", baseUrl: server.url, storage: false, route: "inline" } },
        storage,
        ...fastRouterOptions(),
        maxAttempts: 1,
      });
    const jobId = await router().submitJob({ provider: "google", requests });
    const [batchId] = [...emulator.batches.keys()];
    emulator.editOperation(batchId!, untyped);
    emulator.editOperation(batchId!, (operation) => {
      inlinedResponsesOf(operation)[0]!.response = EMBEDDING;
    });
    const other = router();
    const done = await other.waitForCompletion(jobId);
    const summary = done.kind === "job" ? done.summary : undefined;
    assert.deepEqual([summary?.succeeded, summary?.errored, summary?.reasons], [2, 1, { embeddings_body: 1 }], JSON.stringify(summary));
    const results = await collect(other.getJobResults(jobId));
    assertWrongKind(results.find((result) => result.customId === "w-0")!, "w-0");
  });
});
