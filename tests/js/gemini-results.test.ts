/**
 * Gemini results through GoogleProvider: matched by key however Google orders them, found in every
 * place Google has been seen to put them, read from either state spelling, with counts never
 * invented, keyless answers matched by position only when the counts agree, and text outside
 * ASCII intact on both routes.
 */
import assert from "node:assert/strict";
import { after, describe, test } from "node:test";

import { BatchNotFoundError, ProviderError } from "batch-router";

import type { JsonObject } from "../emulators/gemini-responses.js";
import { assertOutcomes, collect, inlinedResponsesOf, startGemini, waitUntilComplete, type GeminiSetup } from "../support/gemini-harness.js";
import { geminiText, outcomeRequests } from "../support/gemini-requests.js";

describe("Gemini results are matched by key, wherever Google puts them", () => {
  const setups: GeminiSetup[] = [];
  const start = async (...options: Parameters<typeof startGemini>) => {
    const setup = await startGemini(...options);
    setups.push(setup);
    return setup;
  };

  after(async () => {
    for (const setup of setups) await setup.server.close();
  });

  test("shuffled responses (file lines and inline responses) still reach their own requests", async () => {
    const { emulator, provider, providerWith } = await start({ shuffleResponses: true });
    assert.equal(provider.prepareBatch([geminiText("one", "x")]).summary.route, "file", "the file route is the default");
    const requests = Array.from({ length: 12 }, (_, index) => geminiText(`s${index}`, `question number ${index}`));
    for (const sender of [providerWith({ route: "inline" }), provider]) {
      const batchId = await sender.sendBatch({ provider: "google", requests });
      const done = await waitUntilComplete(sender, batchId);
      const record = emulator.batches.get(batchId)!;
      const order =
        record.responsesFile !== undefined
          ? emulator.files.text(record.responsesFile)!.trim().split("\n").map((line) => JSON.parse(line).key)
          : inlinedResponsesOf(done.raw as JsonObject).map((response) => (response.metadata as { key: string }).key);
      assert.notDeepEqual(order, requests.map((request) => request.customId), "the emulator did not shuffle");
      const results = await collect(sender.getResults(batchId));
      assert.deepEqual(results.map((result) => result.customId), order, "results stream in the provider's order");
      for (const result of results) {
        assert.equal(result.response?.text, `echo: question number ${result.customId.slice(1)}`);
      }
    }
  });

  for (const placement of ["response.output", "metadata.output"] as const) {
    test(`output under ${placement} is found on both routes`, async () => {
      const { provider, providerWith } = await start({ outputPlacement: placement });
      for (const sender of [providerWith({ route: "inline" }), provider]) {
        const batchId = await sender.sendBatch({ provider: "google", requests: outcomeRequests() });
        const done = await waitUntilComplete(sender, batchId);
        const raw = done.raw as { response?: unknown; metadata: { output?: unknown } };
        if (placement === "metadata.output") {
          assert.equal(raw.response, undefined);
          assert.ok(raw.metadata.output);
        } else {
          assert.ok((raw.response as { output?: unknown }).output);
        }
        assertOutcomes(await collect(sender.getResults(batchId)));
      }
    });
  }

  test("JOB_STATE_* spellings are read like BATCH_STATE_*", async () => {
    const { provider } = await start({ stateSpelling: "JOB_STATE", readsPerState: 2 });
    const batchId = await provider.sendBatch({ provider: "google", requests: outcomeRequests() });
    const seen: [string, string][] = [];
    for (let attempt = 0; attempt < 6; attempt++) {
      const status = await provider.getStatus(batchId);
      seen.push([status.rawStatus, status.status]);
      if (status.isComplete()) break;
    }
    assert.deepEqual(seen, [
      ["JOB_STATE_PENDING", "validating"],
      ["JOB_STATE_RUNNING", "in_progress"],
      ["JOB_STATE_RUNNING", "in_progress"],
      ["JOB_STATE_SUCCEEDED", "completed"],
    ]);
    assertOutcomes(await collect(provider.getResults(batchId)));
    const cancelling = await provider.sendBatch({ provider: "google", requests: [geminiText("x", "y")] });
    assert.equal(await provider.cancelBatch(cancelling), true);
    const cancelled = await provider.getStatus(cancelling);
    assert.deepEqual([cancelled.rawStatus, cancelled.status], ["JOB_STATE_CANCELLED", "cancelled"]);
  });

  test("counts are never invented: no batchStats means zero counts, at every state", async () => {
    const { provider } = await start({ omitBatchStats: true });
    const batchId = await provider.sendBatch({ provider: "google", requests: outcomeRequests() });
    const zero = { total: 0, processing: 0, succeeded: 0, errored: 0, cancelled: 0, expired: 0 };
    for (let attempt = 0; attempt < 3; attempt++) {
      const status = await provider.getStatus(batchId);
      assert.deepEqual(status.requestCounts, zero, status.rawStatus);
    }
    assert.equal((await provider.getStatus(batchId)).status, "completed");
    assertOutcomes(await collect(provider.getResults(batchId)));
  });

  test("keyless inline answers are matched by position only when the counts agree, say so, and are never lost", async () => {
    const { emulator, providerWith } = await start();
    const provider = providerWith({ route: "inline" });
    const requests = Array.from({ length: 4 }, (_, index) => geminiText(`k${index}`, `keyless ${index}`));
    const batchId = await provider.sendBatch({ provider: "google", requests });
    await waitUntilComplete(provider, batchId);
    emulator.editOperation(batchId, (operation) => {
      for (const response of inlinedResponsesOf(operation)) delete response.metadata;
    });
    const results = await collect(provider.getResults(batchId));
    assert.deepEqual(
      results.map((result) => [result.customId, result.response?.text, result.attribution]),
      requests.map((request, index) => [request.customId, `echo: keyless ${index}`, { by: "position", position: index }]),
    );

    // Without the submitted ids (storage: false) every answer still arrives, marked unattributed.
    const unstored = await collect(providerWith({ storage: false }).getResults(batchId));
    assert.deepEqual(
      unstored.map((result) => [result.customId, result.status, result.response?.text, result.attribution]),
      requests.map((_, index) => ["", "succeeded", `echo: keyless ${index}`, { by: "none", position: index }]),
    );

    // One response missing: the counts disagree, so position proves nothing; the three answers
    // still arrive, none of them given to a request.
    emulator.editOperation(batchId, (operation) => {
      inlinedResponsesOf(operation).splice(1, 1);
    });
    const shifted = await collect(provider.getResults(batchId));
    assert.deepEqual(
      shifted.map((result) => [result.customId, result.attribution?.by]),
      [["", "none"], ["", "none"], ["", "none"]],
    );
  });

  test("a bare batch id names the same batch as its full name, transparency files included", async () => {
    const { emulator, storage, providerWith } = await start();
    const provider = providerWith({ route: "inline" });
    const requests = [geminiText("b0", "bare zero"), geminiText("b1", "bare one")];
    const batchId = await provider.sendBatch({ provider: "google", requests });
    const bare = batchId.replace(/^batches\//, "");
    assert.equal((await provider.getStatus(bare)).batchId, batchId);
    await waitUntilComplete(provider, bare);
    // Keyless answers need the submitted ids, found in the batch's meta file under its full name.
    emulator.editOperation(batchId, (operation) => {
      for (const response of inlinedResponsesOf(operation)) delete response.metadata;
    });
    const results = await collect(provider.getResults(bare));
    assert.deepEqual(results.map((result) => [result.customId, result.response?.text]), [["b0", "echo: bare zero"], ["b1", "echo: bare one"]]);
    const files = [...storage.files.keys()].filter((path) => path.includes(bare)).sort();
    const base = `generated/google/batch_batches_${bare}_`;
    assert.deepEqual(files, ["meta.json", "output.jsonl", "provider.jsonl", "results.jsonl", "unified.jsonl"].map((kind) => base + kind));
  });

  test("keyless answers whose count disagrees with batchStats are not matched by position either", async () => {
    const { emulator, providerWith } = await start();
    const provider = providerWith({ route: "inline" });
    const requests = [geminiText("a", "first"), geminiText("b", "second")];
    const batchId = await provider.sendBatch({ provider: "google", requests });
    await waitUntilComplete(provider, batchId);
    emulator.editOperation(batchId, (operation) => {
      delete inlinedResponsesOf(operation)[0]!.metadata;
      ((operation.metadata as JsonObject).batchStats as JsonObject).requestCount = "3";
    });
    const results = await collect(provider.getResults(batchId));
    assert.deepEqual(
      results.map((result) => [result.customId, result.response?.text, result.attribution]),
      [["", "echo: first", { by: "none", position: 0 }], ["b", "echo: second", undefined]],
    );
  });

  test("a responses-file line without a key is still returned, unattributed; the others still arrive", async () => {
    const { emulator, providerWith } = await start();
    const provider = providerWith({ route: "file" });
    const batchId = await provider.sendBatch({ provider: "google", requests: [geminiText("m1", "x"), geminiText("m2", "y")] });
    await waitUntilComplete(provider, batchId);
    const fileName = emulator.batches.get(batchId)!.responsesFile!;
    const lines = emulator.files.text(fileName)!.trim().split("\n").map((line) => JSON.parse(line));
    delete lines[0].key;
    emulator.files.setText(fileName, lines.map((line) => JSON.stringify(line)).join("\n") + "\n");
    const results = await collect(provider.getResults(batchId));
    assert.equal(results.length, 2);
    assert.equal(results[0]!.status, "succeeded");
    assert.deepEqual(results[0]!.attribution, { by: "none", position: 0 });
    assert.equal(results[0]!.customId, "");
    assert.equal(results[1]!.attribution, undefined);
    assert.deepEqual([results[1]!.customId, results[1]!.response?.text], ["m2", "echo: y"]);

    // Google keeps files for 48 hours: a responses file that is gone is a provider 404, not a missing batch.
    emulator.files.delete(fileName);
    await assert.rejects(collect(provider.getResults(batchId)), (error: unknown) => {
      assert.ok(error instanceof ProviderError && !(error instanceof BatchNotFoundError));
      assert.equal(error.status, 404);
      assert.match(error.message, new RegExp(`File ${fileName} not found`));
      return true;
    });
  });

  test("canary: the emulator refuses what the spec refuses, on both routes", async () => {
    const { emulator, providerWith } = await start();
    const provider = providerWith({ route: "inline" });
    // An unknown generationConfig field is refused before upload; a known one with a wrong value reaches Google.
    const unknown = { ...geminiText("wrong", "x"), providerKwargs: { generationConfig: { maxTokens: 5 } } };
    await assert.rejects(provider.sendBatch({ provider: "google", requests: [unknown] }), { code: "validation", field: "providerKwargs.generationConfig.maxTokens" });
    // (`candidateCount` is checked as the unified setting before upload, `responseLogprobs` by its type; `enableEnhancedCivicAnswers` is not.)
    const wrong = { ...geminiText("wrong", "x"), providerKwargs: { generationConfig: { enableEnhancedCivicAnswers: "yes" } } };
    await assert.rejects(provider.sendBatch({ provider: "google", requests: [geminiText("fine", "y"), wrong] }), (error: unknown) => {
      assert.ok(error instanceof ProviderError);
      assert.equal(error.status, 400);
      assert.match(error.message, /generationConfig\/enableEnhancedCivicAnswers must be boolean/);
      return true;
    });
    const fileRoute = providerWith({ route: "file" });
    const batchId = await fileRoute.sendBatch({ provider: "google", requests: [geminiText("fine", "y"), wrong] });
    await waitUntilComplete(fileRoute, batchId);
    const results = await collect(fileRoute.getResults(batchId));
    assert.equal(results[0]!.status, "succeeded");
    assert.equal(results[1]!.error?.code, "INVALID_ARGUMENT");
    assert.match(results[1]!.error?.message ?? "", /enableEnhancedCivicAnswers/);
    assert.equal(emulator.violations.length, 2);
  });

  test("text outside ASCII survives both routes, byte counts and chunked downloads", async () => {
    const { emulator, providerWith } = await start({ chunkSize: 5 });
    const requests = [geminiText("ü-1", "Grüße aus Köln — 日本語 🌍"), geminiText("quote\"2", "second ✓")];
    for (const route of ["inline", "file"] as const) {
      const provider = providerWith({ route });
      const batchId = await provider.sendBatch({ provider: "google", requests });
      await waitUntilComplete(provider, batchId);
      const results = await collect(provider.getResults(batchId));
      assert.deepEqual(results.map((result) => [result.customId, result.response?.text]), [["ü-1", "echo: Grüße aus Köln — 日本語 🌍"], ["quote\"2", "echo: second ✓"]]);
    }
    assert.deepEqual(emulator.violations, []);
  });
});
