/**
 * Trial 6, faults 5 and 6: each `getResults` call writes the output and results files under part
 * names of its own, and its parts replace the batch's two files only once it has read the whole
 * batch. So two calls at once leave one copy of each line (not two interleaved), and a call that
 * fails or is abandoned leaves the previous complete files, or none — never empty or partial ones.
 * A job's own results piece is kept the same way.
 */
import assert from "node:assert/strict";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";

import { BatchRouter, FileStorage, JobInterruptedError, MemoryStorage, OpenAIProvider, type BatchStorage, type UnifiedResult } from "batch-router";

import { OpenAIEmulator } from "../emulators/openai-emulator.js";
import { API_KEY, fastRouterOptions } from "../support/jobs.js";
import { openaiAnswerLine, openaiBatch } from "../support/output-file.js";
import { textRequest } from "../support/requests.js";

const KEY = "fake-result-files-key-0123456789";
const BATCH = "batch_files";
const OUTPUT = `generated/openai/batch_${BATCH}_output.jsonl`;
const RESULTS = `generated/openai/batch_${BATCH}_results.jsonl`;
const encoder = new TextEncoder();

function lines(count: number, content = "answer"): string[] {
  return Array.from({ length: count }, (_, index) => JSON.stringify(openaiAnswerLine(index, `${content} ${index}`)) + "\n");
}

/**
 * A finished OpenAI batch whose download is `body()`'s lines, one chunk each; `failAfter` lines
 * in, the body errors (a dropped connection).
 */
function providerWith(storage: BatchStorage, body: () => { lines: string[]; failAfter?: number }): OpenAIProvider {
  const fetch = async (request: Request): Promise<Response> => {
    if (!new URL(request.url).pathname.endsWith("/content")) {
      return new Response(JSON.stringify(openaiBatch(BATCH)), { status: 200, headers: { "content-type": "application/json" } });
    }
    const { lines: served, failAfter } = body();
    let index = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (failAfter !== undefined && index === failAfter) controller.error(new TypeError("terminated"));
        else if (index === served.length) controller.close();
        else controller.enqueue(encoder.encode(served[index++]!));
      },
    });
    return new Response(stream, { status: 200 });
  };
  return new OpenAIProvider({ apiKey: KEY, storage, fetch });
}

async function drain(results: AsyncIterable<UnifiedResult>): Promise<string[]> {
  const ids: string[] = [];
  for await (const result of results) ids.push(result.customId);
  return ids;
}

/** The storage's paths under `generated/`, once the background clearing of abandoned parts is done. */
async function settledPaths(storage: BatchStorage, list: () => Promise<string[]>): Promise<string[]> {
  for (let tries = 0; ; tries++) {
    const paths = (await list()).sort();
    if (!paths.some((path) => path.endsWith(".part")) || tries > 50) return paths;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const storages: [string, (run: (storage: BatchStorage, list: () => Promise<string[]>) => Promise<void>) => Promise<void>][] = [
  ["MemoryStorage", (run) => {
    const storage = new MemoryStorage();
    return run(storage, async () => [...storage.files.keys()]);
  }],
  ["FileStorage", async (run) => {
    const directory = await mkdtemp(join(tmpdir(), "br-result-files-"));
    try {
      const generated = join(directory, "generated", "openai");
      await run(new FileStorage(directory), async () => (await readdir(generated).catch(() => [])).map((name) => `generated/openai/${name}`));
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  }],
];

for (const [name, using] of storages) {
  describe(`result files on ${name}`, () => {
    test("two getResults calls at once: each file holds every line once", () =>
      using(async (storage, list) => {
        const provider = providerWith(storage, () => ({ lines: lines(5) }));
        const [first, second] = await Promise.all([drain(provider.getResults(BATCH)), drain(provider.getResults(BATCH))]);
        assert.equal(first.length, 5);
        assert.equal(second.length, 5);
        const output = (await storage.read(OUTPUT))!;
        assert.equal(output, lines(5).join(""));
        const results = (await storage.read(RESULTS))!.split("\n").filter(Boolean);
        assert.deepEqual(results.map((line) => (JSON.parse(line) as UnifiedResult).customId), ["request-0", "request-1", "request-2", "request-3", "request-4"]);
        assert.deepEqual(await settledPaths(storage, list), [OUTPUT, RESULTS]);
      }));

    test("a failed first download leaves no result files (not empty ones)", () =>
      using(async (storage, list) => {
        const provider = providerWith(storage, () => ({ lines: lines(4), failAfter: 2 }));
        await assert.rejects(drain(provider.getResults(BATCH)));
        assert.equal(await storage.read(OUTPUT), undefined);
        assert.equal(await storage.read(RESULTS), undefined);
        assert.deepEqual(await settledPaths(storage, list), []);
      }));

    test("a failed or abandoned download leaves the previous complete files as they were; a reader sees them during a read", () =>
      using(async (storage, list) => {
        let serve: { lines: string[]; failAfter?: number } = { lines: lines(3, "first") };
        const provider = providerWith(storage, () => serve);
        await drain(provider.getResults(BATCH));
        const output = (await storage.read(OUTPUT))!;
        const results = (await storage.read(RESULTS))!;
        assert.equal(output, lines(3, "first").join(""));

        serve = { lines: lines(3, "second"), failAfter: 2 };
        await assert.rejects(drain(provider.getResults(BATCH)));
        assert.equal(await storage.read(OUTPUT), output);
        assert.equal(await storage.read(RESULTS), results);

        serve = { lines: lines(3, "third") };
        const reading = provider.getResults(BATCH);
        assert.equal((await reading.next()).done, false);
        // Under way: the batch's files are still the last complete ones.
        assert.equal(await storage.read(OUTPUT), output);
        assert.equal(await storage.read(RESULTS), results);
        await reading.return();
        assert.equal(await storage.read(OUTPUT), output, "an abandoned read changes nothing");
        assert.equal(await storage.read(RESULTS), results);
        assert.deepEqual(await settledPaths(storage, list), [OUTPUT, RESULTS]);

        await drain(provider.getResults(BATCH));
        assert.equal(await storage.read(OUTPUT), lines(3, "third").join(""), "a complete read replaces them");
        assert.match((await storage.read(RESULTS))!, /third 2/);
      }));
  });
}

test("a job stopped during a results download leaves no empty result files and no results piece", async () => {
  const storage = new MemoryStorage();
  const emulator = new OpenAIEmulator({ apiKey: API_KEY });
  const router = new BatchRouter({
    providers: { openai: { apiKey: API_KEY, baseUrl: "http://emulated.invalid/v1", fetch: emulator.fetch } },
    storage,
    ...fastRouterOptions(),
    lostBatchGracePeriod: 0,
  });
  // A key revoked once the batch has ended: the download is refused and the job stops.
  emulator.failNext("GET", /\/files\/[^/]+\/content$/, 401, { error: { message: "Incorrect API key provided.", type: "invalid_request_error", code: "invalid_api_key" } });
  const requests = [textRequest("r1", "one"), textRequest("r2", "two")];
  const error = await router.runJob({ provider: "openai", requests }, { timeout: 10_000 }).then(
    () => assert.fail("the job should stop"),
    (thrown: unknown) => thrown,
  );
  assert.ok(error instanceof JobInterruptedError, String(error));
  const paths = [...storage.files.keys()];
  assert.deepEqual(
    paths.filter((path) => /_(output|results)\.jsonl|\/results\/|\.part$/.test(path)),
    [],
  );
  const summary = await router.resumeJob(error.jobId);
  assert.equal(summary.succeeded, 2);
  const batchId = [...emulator.batches.keys()][0]!;
  assert.equal((await storage.read(`generated/openai/batch_${batchId}_results.jsonl`))!.split("\n").filter(Boolean).length, 2);
  assert.deepEqual(
    [...storage.files.keys()].filter((path) => path.endsWith(".part")),
    [],
  );
});
