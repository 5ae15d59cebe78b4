/**
 * The file store's conditional writes hold across storage objects and processes on one directory
 * (a router per request, or two processes): a lost update, a replay accepted twice or two starts of
 * one job id that both win would show here.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, unlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { describe, test } from "node:test";
import { fileURLToPath } from "node:url";

import { BatchRouter, FileStorage, StorageJobState, ValidationError } from "batch-router";

import { OpenAIEmulator } from "../emulators/openai-emulator.js";
import { incrementCounter } from "../support/counter.js";
import { API_KEY, fastRouterOptions, jobRequests } from "../support/jobs.js";

const CHILD = fileURLToPath(new URL("../support/state-child.js", import.meta.url));

function freshDirectory(): string {
  return mkdtempSync(join(tmpdir(), "batch-router-file-lock-"));
}

function runChild(directory: string, key: string, count: number): Promise<string> {
  const deno = (globalThis as { Deno?: { execPath(): string } }).Deno;
  const [command, args] = deno ? [deno.execPath(), ["run", "-A", CHILD]] : [process.execPath, [CHILD]];
  const child = spawn(command, [...args, directory, key, String(count)], { stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout.on("data", (chunk) => (output += String(chunk)));
  child.stderr.on("data", (chunk) => (output += String(chunk)));
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code) => (code === 0 ? resolve(output) : reject(new Error(`child exited ${code}: ${output}`))));
  });
}

describe("the file store's conditional writes across storage objects and processes", () => {
  test("four StorageJobState objects on one directory, incrementing at once: no update is lost", async () => {
    const directory = freshDirectory();
    const states = Array.from({ length: 4 }, () => new StorageJobState(new FileStorage(directory)));
    await Promise.all(states.map(async (state) => {
      for (let done = 0; done < 25; done++) await incrementCounter(state, "counter");
    }));
    assert.equal((await states[0]!.get("counter"))?.value, "100");
  });

  test("two child processes and this one, incrementing at once: no update is lost", async () => {
    const directory = freshDirectory();
    const here = new StorageJobState(new FileStorage(directory));
    const outputs = await Promise.all([
      runChild(directory, "counter", 40),
      runChild(directory, "counter", 40),
      (async () => {
        for (let done = 0; done < 40; done++) await incrementCounter(here, "counter");
        return "done\n";
      })(),
    ]);
    assert.deepEqual(outputs, ["done\n", "done\n", "done\n"]);
    assert.equal((await here.get("counter"))?.value, "120");
  });

  test("a lock file left by a process that died holding it is broken at once; a live holder's is waited for", async () => {
    const directory = freshDirectory();
    const state = new StorageJobState(new FileStorage(directory));
    assert.ok(await state.put("record", "1", undefined));
    // A pid no process has (above the default pid_max of 32-bit and 64-bit Linux alike).
    writeFileSync(join(directory, "record.json.lock"), "4194303");
    const started = Date.now();
    const version = (await state.get("record"))!.version;
    assert.ok(await state.put("record", "2", version));
    assert.ok(Date.now() - started < 5_000, `waited ${Date.now() - started} ms for a dead holder's lock`);
    // This process's own lock (another FileStorage object holding it): waited for, then written.
    writeFileSync(join(directory, "record.json.lock"), String(process.pid));
    const release = setTimeout(() => unlinkSync(join(directory, "record.json.lock")), 300);
    const waitedFrom = Date.now();
    assert.ok(await state.put("record", "3", (await state.get("record"))!.version));
    clearTimeout(release);
    assert.ok(Date.now() - waitedFrom >= 250, "the live holder's lock was not waited for");
    assert.equal((await state.get("record"))?.value, "3");
  });

  test("startJob with one job id from routers of their own: one job, the same requests are idempotent, other requests refused", async () => {
    const directory = freshDirectory();
    const emulator = new OpenAIEmulator({ apiKey: API_KEY });
    const routerOf = () => new BatchRouter({ providers: { openai: { apiKey: API_KEY, baseUrl: "http://127.0.0.1:9/v1", fetch: emulator.fetch } }, storage: new FileStorage(directory), ...fastRouterOptions() });
    const all = jobRequests();
    // Four callers with four different request lists: exactly one job is started.
    const slices = [all.slice(0, 3), all.slice(3, 6), all.slice(6, 9), all.slice(9, 12)];
    const outcomes = await Promise.allSettled(slices.map((requests) => routerOf().startJob({ provider: "openai", requests }, { jobId: "same-id" })));
    const won = outcomes.flatMap((outcome, index) => (outcome.status === "fulfilled" ? [index] : []));
    assert.equal(won.length, 1, JSON.stringify(outcomes.map((outcome) => outcome.status)));
    for (const outcome of outcomes) {
      if (outcome.status === "rejected") assert.ok(outcome.reason instanceof ValidationError && outcome.reason.field === "jobId", String(outcome.reason));
    }
    const stored = await routerOf().getJob("same-id");
    assert.equal(stored?.requestCount, 3);
    // The winner's requests again (a retried start): the same job, nothing replaced.
    const winner = slices[won[0]!]!;
    assert.deepEqual(await Promise.all([routerOf().startJob({ provider: "openai", requests: winner }, { jobId: "same-id" }), routerOf().startJob({ provider: "openai", requests: winner }, { jobId: "same-id" })]), ["same-id", "same-id"]);
    assert.equal((await routerOf().getJob("same-id"))?.requestsPath, stored?.requestsPath);
    assert.equal(emulator.received.length, 0);
  });
});
