/**
 * Resume across processes: a job runs in a child process (`tests/support/job-child.ts`) that is
 * killed (SIGKILL) at a chosen point — before the emulator handles a request, after it did the
 * work but before the answer arrives, or a few milliseconds after an answer (while the child is
 * writing its files) — and the test process finishes the job with `resumeJob`. Then: no lost
 * batch, no second batch for any submission, every request accounted for once.
 */
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { after, describe, test } from "node:test";
import { fileURLToPath } from "node:url";

import { BatchRouter, FileStorage } from "batch-router";

import { OpenAIEmulator } from "../emulators/openai-emulator.js";
import { seededRandom } from "../support/faults.js";
import { API_KEY, assertJobInvariants, collect, fastRouterOptions, jobRequests } from "../support/jobs.js";
import { serve, type RunningServer } from "../support/serve.js";

const CHILD = fileURLToPath(new URL("../support/job-child.js", import.meta.url));
const directories: string[] = [];

type KillMode = "before" | "after" | "soon-after";

function startChild(baseUrl: string, directory: string, jobId: string): ChildProcess {
  const deno = (globalThis as { Deno?: { execPath(): string } }).Deno;
  const [command, args] = deno ? [deno.execPath(), ["run", "-A", CHILD]] : [process.execPath, [CHILD]];
  return spawn(command, [...args, baseUrl, directory, jobId], { stdio: ["ignore", "pipe", "pipe"] });
}

/** Runs the job in a child killed at the `killAt`-th request, then resumes it here. */
async function killAndResume(killAt: number, mode: KillMode, delay: number): Promise<{ killed: boolean }> {
  const emulator = new OpenAIEmulator({ apiKey: API_KEY, startClock: Math.floor(Date.now() / 1000) });
  let child: ChildProcess | undefined;
  let seen = 0;
  let killed = false;
  const kill = () => {
    killed = true;
    child?.kill("SIGKILL");
  };
  const server: RunningServer = await serve(async (request) => {
    seen++;
    if (killed || seen !== killAt) return emulator.fetch(request);
    if (mode === "before") {
      kill();
      return new Response("gone", { status: 503 });
    }
    const response = await emulator.fetch(request);
    if (mode === "after") {
      await response.arrayBuffer();
      kill();
      return new Response("gone", { status: 503 });
    }
    setTimeout(kill, delay);
    return response;
  });
  const directory = mkdtempSync(join(tmpdir(), "batch-router-jobs-"));
  directories.push(directory);
  const jobId = `killed-${killAt}-${mode}`;
  try {
    child = startChild(`${server.url}/v1`, directory, jobId);
    let output = "";
    child.stdout!.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()));
    const exit = await new Promise<{ code: number | null; signal: string | null }>((resolve) => child!.on("exit", (code, signal) => resolve({ code, signal })));
    if (!killed) assert.equal(exit.code, 0, output);

    const router = new BatchRouter({ providers: { openai: { apiKey: API_KEY, baseUrl: `${server.url}/v1` } }, storage: new FileStorage(directory), ...fastRouterOptions() });
    const job = await router.getJob(jobId);
    if (!job) {
      // Killed before the manifest existed: nothing may have been sent.
      assert.equal(emulator.files.size + emulator.batches.size, 0);
      return { killed };
    }
    const summary = await router.resumeJob(jobId);
    const manifest = (await router.getJob(jobId))!;
    assertJobInvariants(emulator, manifest, await collect(router.getJobResults(jobId)), jobRequests());
    assert.equal(summary.succeeded, 10);
    // An upload is repeated only if the process died after the server stored the file and before
    // the manifest learnt its id.
    const uploads = emulator.received.filter((request) => request.method === "POST" && request.path === "/v1/files").length;
    assert.ok(uploads <= manifest.submissions.length + 1, `${uploads} uploads for ${manifest.submissions.length} batches`);
    return { killed };
  } finally {
    child?.kill("SIGKILL");
    await server.close();
  }
}

describe("a job killed in one process is finished in another", () => {
  after(() => {
    for (const directory of directories) rmSync(directory, { recursive: true, force: true });
  });

  test("killed at points across the whole lifecycle, then resumed", async () => {
    const random = seededRandom(20_260);
    const modes: KillMode[] = ["before", "after", "soon-after"];
    // Upload, create and status calls of the first batches, then later polls, downloads and resubmissions.
    const cases = [1, 2, 3, 4, 5, 7, 9, 12, 16, 21, 27, 34, 42].map((killAt) => ({ killAt, mode: modes[killAt % 3]!, delay: Math.floor(random() * 6) }));
    let kills = 0;
    // Four at a time: each case is its own emulator, server, directory and child process.
    for (let first = 0; first < cases.length; first += 4) {
      const outcomes = await Promise.all(cases.slice(first, first + 4).map(({ killAt, mode, delay }) => killAndResume(killAt, mode, delay)));
      kills += outcomes.filter((outcome) => outcome.killed).length;
    }
    assert.ok(kills >= 10, `only ${kills} runs were killed`);
  });
});
