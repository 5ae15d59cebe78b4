/**
 * Trial 8b, fault 2: breaking the lock of a process that died holding it let two writers win one
 * conditional write. Reading the lock, judging its holder and removing it were separate steps, so a
 * waiter that had read the dead holder's lock removed the live lock another waiter had just taken.
 * Here many writers race from one version over a stale lock of every kind (dead holder, old empty
 * file, old lock of a live process id), in one process and across processes, and exactly one wins
 * every round; a takeover left half-done by a killed breaker does not block the next one.
 */
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, statSync, unlinkSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { describe, test } from "node:test";
import { fileURLToPath } from "node:url";

import { FileStorage, StorageJobState } from "batch-router";

const RACE_CHILD = fileURLToPath(new URL("../support/lock-race-child.js", import.meta.url));
const BREAKER_CHILD = fileURLToPath(new URL("../support/lock-breaker-child.js", import.meta.url));

/** A pid no process has (above the default pid_max of 32-bit and 64-bit Linux alike). */
const DEAD_PID = "4194303";
/** Far below the 30 s after which a lock whose holder cannot be checked counts as stale. */
const AT_ONCE_MS = 5_000;

/** The stale locks a crash or an earlier version can leave, each of which a waiter must break. */
const STALE_LOCKS: { name: string; text: () => string; ageSeconds: number }[] = [
  { name: "a dead process's pid (as earlier versions wrote it)", text: () => DEAD_PID, ageSeconds: 0 },
  { name: "a dead process's pid and token", text: () => `${DEAD_PID} ${"0123456789abcdef".repeat(2)}`, ageSeconds: 0 },
  { name: "an empty file older than 30 s (a writer killed between create and write)", text: () => "", ageSeconds: 60 },
  { name: "a live process's pid, older than 30 s (a pid taken again by another process)", text: () => String(process.pid), ageSeconds: 60 },
];

function freshDirectory(): string {
  return mkdtempSync(join(tmpdir(), "batch-router-lock-takeover-"));
}

function leaveLock(directory: string, kind: (typeof STALE_LOCKS)[number], suffix = ""): void {
  const path = join(directory, `record.json.lock${suffix}`);
  writeFileSync(path, kind.text());
  if (kind.ageSeconds > 0) {
    const then = new Date(Date.now() - kind.ageSeconds * 1000);
    utimesSync(path, then, then);
  }
}

/** A directory holding `record` at a first version, plus the stale lock of this round. */
async function preparedRound(round: number): Promise<{ directory: string; version: string }> {
  const directory = freshDirectory();
  const version = await new StorageJobState(new FileStorage(directory)).put("record", "first", undefined);
  assert.ok(version);
  leaveLock(directory, STALE_LOCKS[round % STALE_LOCKS.length]!);
  return { directory, version };
}

function spawnChild(script: string, args: string[]): ChildProcess {
  const deno = (globalThis as { Deno?: { execPath(): string } }).Deno;
  const [command, runtimeArgs] = deno ? [deno.execPath(), ["run", "-A", script]] : [process.execPath, [script]];
  return spawn(command, [...runtimeArgs, ...args], { stdio: ["pipe", "pipe", "pipe"] });
}

/** Resolves once no process has the id `pid` (at most 20 s: a test that waits longer fails anyway). */
async function gone(pid: number): Promise<void> {
  for (const started = Date.now(); Date.now() - started < 20_000; ) {
    try {
      process.kill(pid, 0);
    } catch {
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** The child's output so far, and a promise for its exit. */
function watch(child: ChildProcess): { output: () => string; exited: Promise<number | null>; line: (text: string) => Promise<void> } {
  let output = "";
  const waiters: (() => void)[] = [];
  const onData = (chunk: unknown) => {
    output += String(chunk);
    for (const wake of waiters.splice(0)) wake();
  };
  child.stdout!.on("data", onData);
  child.stderr!.on("data", onData);
  const exited = new Promise<number | null>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code) => resolve(code));
  });
  const line = async (text: string) => {
    while (!output.split("\n").includes(text)) {
      await Promise.race([new Promise<void>((resolve) => waiters.push(resolve)), exited.then((code) => Promise.reject(new Error(`child exited ${code}: ${output}`)))]);
    }
  };
  return { output: () => output, exited, line };
}

function filesOf(directory: string): string[] {
  return readdirSync(directory).sort();
}

describe("taking over a stale lock file: exactly one writer wins", () => {
  test("in one process: 12 writers race from one version over a stale lock, 100 rounds, exactly one wins each", async () => {
    const failures: string[] = [];
    for (let round = 0; round < 100; round++) {
      const { directory, version } = await preparedRound(round);
      const values = Array.from({ length: 12 }, (_, writer) => `writer-${writer}`);
      const outcomes = await Promise.all(values.map((value) => new StorageJobState(new FileStorage(directory)).put("record", value, version)));
      const won = values.filter((_, writer) => outcomes[writer] !== undefined);
      const stored = (await new StorageJobState(new FileStorage(directory)).get("record"))?.value;
      if (won.length !== 1 || stored !== won[0]) failures.push(`round ${round} (${STALE_LOCKS[round % STALE_LOCKS.length]!.name}): winners ${JSON.stringify(won)}, stored ${stored}`);
      // The lock, the takeover's files and the writers' temporary files are all gone.
      if (filesOf(directory).join() !== "record.json") failures.push(`round ${round}: left ${filesOf(directory).join(", ")}`);
    }
    assert.deepEqual(failures, []);
  });

  test("across processes: 3 processes of 4 writers race from one version over a stale lock, 32 rounds, exactly one wins each", async () => {
    const rounds = await Promise.all(Array.from({ length: 32 }, (_, round) => preparedRound(round)));
    const roundsFile = join(freshDirectory(), "rounds.json");
    writeFileSync(roundsFile, JSON.stringify(rounds));
    const children = ["a", "b", "c"].map((name) => {
      const child = spawnChild(RACE_CHILD, [roundsFile, name, "4", "150"]);
      return { child, ...watch(child) };
    });
    try {
      await Promise.all(children.map((child) => child.line("ready")));
      const startAt = Date.now() + 300;
      for (const { child } of children) child.stdin!.end(`${startAt}\n`);
      const codes = await Promise.all(children.map((child) => child.exited));
      assert.deepEqual(codes, [0, 0, 0], children.map((child) => child.output()).join("\n"));
    } finally {
      for (const { child } of children) if (child.exitCode === null) child.kill("SIGKILL");
    }
    const winners = rounds.map(() => [] as string[]);
    for (const { output } of children) {
      for (const line of output().split("\n").filter((line) => /^\d+ /.test(line))) {
        const [index, won] = [Number(line.slice(0, line.indexOf(" "))), JSON.parse(line.slice(line.indexOf(" ") + 1)) as string[]];
        winners[index]!.push(...won);
      }
    }
    const failures: string[] = [];
    for (const [round, { directory }] of rounds.entries()) {
      const stored = (await new StorageJobState(new FileStorage(directory)).get("record"))?.value;
      const won = winners[round]!;
      if (won.length !== 1 || stored !== won[0]) failures.push(`round ${round} (${STALE_LOCKS[round % STALE_LOCKS.length]!.name}): winners ${JSON.stringify(won)}, stored ${stored}`);
      if (filesOf(directory).join() !== "record.json") failures.push(`round ${round}: left ${filesOf(directory).join(", ")}`);
    }
    assert.deepEqual(failures, []);
  });

  test("a dead holder's lock is broken at once whatever a breaker killed mid-takeover left behind", async () => {
    const dead = STALE_LOCKS[1]!;
    const left: [string, (directory: string) => void][] = [
      ["a claim naming a dead breaker", (directory) => leaveLock(directory, dead, ".break")],
      ["a claim and a claim on it, both naming dead breakers", (directory) => (leaveLock(directory, dead, ".break"), leaveLock(directory, STALE_LOCKS[0]!, ".break.break"))],
      ["an empty claim older than 30 s", (directory) => leaveLock(directory, STALE_LOCKS[2]!, ".break")],
      ["a claim older than 30 s naming a live process", (directory) => leaveLock(directory, STALE_LOCKS[3]!, ".break")],
    ];
    for (const [name, leave] of left) {
      const directory = freshDirectory();
      const state = new StorageJobState(new FileStorage(directory));
      const version = await state.put("record", "first", undefined);
      leaveLock(directory, dead);
      leave(directory);
      const started = Date.now();
      assert.ok(await state.put("record", "second", version), name);
      assert.ok(Date.now() - started < AT_ONCE_MS, `${name}: waited ${Date.now() - started} ms`);
      assert.deepEqual(filesOf(directory), ["record.json"], name);
    }
    // A claim whose breaker died after removing the lock, and no lock: nothing to wait for, and the
    // next dead lock is broken at once all the same.
    const directory = freshDirectory();
    const state = new StorageJobState(new FileStorage(directory));
    leaveLock(directory, dead, ".break");
    const started = Date.now();
    const version = await state.put("record", "first", undefined);
    leaveLock(directory, dead);
    assert.ok(await state.put("record", "second", version));
    assert.ok(Date.now() - started < AT_ONCE_MS, `waited ${Date.now() - started} ms`);
    assert.deepEqual(filesOf(directory), ["record.json"]);
  });

  test("a live breaker's claim is waited for, then the dead lock is broken", async () => {
    const directory = freshDirectory();
    const state = new StorageJobState(new FileStorage(directory));
    const version = await state.put("record", "first", undefined);
    leaveLock(directory, STALE_LOCKS[1]!);
    // This process's own claim (another storage object in the middle of a takeover): fresh, so live.
    writeFileSync(join(directory, "record.json.lock.break"), `${process.pid} ${"fedcba9876543210".repeat(2)}`);
    const release = setTimeout(() => unlinkSync(join(directory, "record.json.lock.break")), 300);
    const started = Date.now();
    assert.ok(await state.put("record", "second", version));
    clearTimeout(release);
    assert.ok(Date.now() - started >= 250, "the live breaker's claim was not waited for");
    assert.equal((await state.get("record"))?.value, "second");
    assert.deepEqual(filesOf(directory), ["record.json"]);
  });

  test("breakers killed at random instants until 3 were killed mid-takeover: the next writer still gets through at once", async () => {
    const directory = freshDirectory();
    const state = new StorageJobState(new FileStorage(directory));
    await state.put("record", "first", undefined);
    // About a quarter of the kills land while the breaker holds its claim; 60 kills miss every time
    // with a chance below 1 in 10^7.
    let midTakeover = 0;
    for (let kill = 0; kill < 60 && midTakeover < 3; kill++) {
      const child = spawnChild(BREAKER_CHILD, [directory]);
      const watched = watch(child);
      try {
        await watched.line("started");
        await new Promise((resolve) => setTimeout(resolve, Math.random() * 40));
      } finally {
        child.kill("SIGKILL");
      }
      await watched.exited;
      // Dead as the lock sees it: `kill(pid, 0)` fails. Bun reports a child's end when its pipes
      // close, and its process can still be there, unreaped, for a while; a lock naming a process
      // that still exists is not broken (its age decides, after 30 s).
      await gone(child.pid!);
      if (filesOf(directory).includes("record.json.lock.break")) midTakeover++;
      const started = Date.now();
      const current = await state.get("record");
      assert.ok(await state.put("record", `after kill ${kill}`, current?.version), `after kill ${kill}`);
      // And a dead holder's lock is broken at once after it too.
      leaveLock(directory, STALE_LOCKS[0]!);
      assert.ok(await state.put("record", `broken after kill ${kill}`, (await state.get("record"))?.version));
      assert.ok(Date.now() - started < AT_ONCE_MS, `after kill ${kill}: waited ${Date.now() - started} ms`);
      assert.ok(!filesOf(directory).includes("record.json.lock"), filesOf(directory).join(", "));
      // The killed breaker's temporary files went with that takeover, unless it died writing one.
      for (const name of filesOf(directory).filter((name) => name.endsWith(".tmp"))) {
        assert.doesNotMatch(readFileSync(join(directory, name), "utf8"), /^\d+ [0-9a-f]{32}$/, `after kill ${kill}: left ${name}`);
      }
    }
    assert.equal(midTakeover, 3, "no kill landed in the middle of a takeover");
  });

  test("a lock taken after a long wait is fresh: others do not count it as stale", async () => {
    const directory = freshDirectory();
    const lock = join(directory, "record.json.lock");
    // This process's own lock (another storage object holding it), released after 2 s.
    writeFileSync(lock, String(process.pid));
    const release = setTimeout(() => unlinkSync(lock), 2_000);
    const started = Date.now();
    const age = await new FileStorage(directory).exclusive("record.json", async () => Date.now() - statSync(lock).mtimeMs);
    clearTimeout(release);
    assert.ok(Date.now() - started >= 1_900, "the live lock was not waited for");
    // Its age counts from when it was taken, not from when its holder began to wait.
    assert.ok(age < 1_000, `the new lock was ${age} ms old when taken`);
  });

  test("a holder removes only its own lock: one that is no longer its own is left to its owner", async () => {
    const directory = freshDirectory();
    const storage = new FileStorage(directory);
    const lock = join(directory, "record.json.lock");
    const other = `${process.pid} ${"00112233445566778899aabbccddeeff"}`;
    // As if this holder had stalled past 30 s and another had broken its lock and taken a new one.
    await storage.exclusive("record.json", async () => writeFileSync(lock, other));
    assert.equal(readFileSync(lock, "utf8"), other);
  });
});
