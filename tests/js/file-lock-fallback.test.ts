/**
 * Two parts of the file lock (`npm/src/file-lock.ts`) that the takeover suite does not reach: the
 * way locks are made on a file system without hard links (FAT, exFAT: `link` fails with `EPERM`,
 * `ENOTSUP`, `EOPNOTSUPP` or `ENOSYS`, and the lock is created exclusively, then written), acted out
 * by replacing `link` in the lock module; and the sweep of temporary files left by processes killed
 * while locking, which removes only those no one can still be using.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import process from "node:process";
import { describe, test } from "node:test";
import { fileURLToPath, pathToFileURL } from "node:url";

import { FileStorage as PackageFileStorage, StorageJobState as PackageStorageJobState } from "batch-router";

// The lock module as the package's own files load it (one module, so a change to its `link` is
// seen by this FileStorage): the bundled entry keeps its own copy.
const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
const dist = (file: string) => pathToFileURL(join(root, "npm", "dist", file)).href;
const { lockFileCalls } = (await import(dist("file-lock.js"))) as { lockFileCalls: { link: (from: string, to: string) => Promise<void> } };
const { FileStorage } = (await import(dist("file-storage.js"))) as { FileStorage: typeof PackageFileStorage };
const { StorageJobState } = (await import(dist("job-state.js"))) as { StorageJobState: typeof PackageStorageJobState };

/** A pid no process has (above the default pid_max of 32-bit and 64-bit Linux alike). */
const DEAD_PID = "4194303";
const TOKEN = "0123456789abcdef".repeat(2);

function freshDirectory(): string {
  return mkdtempSync(join(tmpdir(), "batch-router-lock-fallback-"));
}

function aged(path: string, seconds: number): void {
  const then = new Date(Date.now() - seconds * 1000);
  utimesSync(path, then, then);
}

describe("a file system without hard links", () => {
  test("12 writers race from one version over a stale lock, 60 rounds: exactly one wins each, every lock made without link", async () => {
    const codes = ["EPERM", "ENOTSUP", "EOPNOTSUPP", "ENOSYS"];
    const original = lockFileCalls.link;
    let refused = 0;
    lockFileCalls.link = async () => {
      const code = codes[refused++ % codes.length]!;
      throw Object.assign(new Error(`${code}: operation not permitted, link`), { code });
    };
    const failures: string[] = [];
    try {
      for (let round = 0; round < 60; round++) {
        const directory = freshDirectory();
        const version = await new StorageJobState(new FileStorage(directory)).put("record", "first", undefined);
        assert.ok(version);
        // Every other round starts from a dead holder's lock, the rest from an empty one older than
        // 30 s (what a writer killed between create and write leaves here).
        const lock = join(directory, "record.json.lock");
        writeFileSync(lock, round % 2 === 0 ? `${DEAD_PID} ${TOKEN}` : "");
        if (round % 2 === 1) aged(lock, 60);
        const values = Array.from({ length: 12 }, (_, writer) => `writer-${writer}`);
        const outcomes = await Promise.all(values.map((value) => new StorageJobState(new FileStorage(directory)).put("record", value, version)));
        const won = values.filter((_, writer) => outcomes[writer] !== undefined);
        const stored = (await new StorageJobState(new FileStorage(directory)).get("record"))?.value;
        if (won.length !== 1 || stored !== won[0]) failures.push(`round ${round}: winners ${JSON.stringify(won)}, stored ${stored}`);
        const left = readdirSync(directory).join();
        if (left !== "record.json") failures.push(`round ${round}: left ${left}`);
      }
    } finally {
      lockFileCalls.link = original;
    }
    assert.deepEqual(failures, []);
    // Each writer's lock and each breaker's claim went through the fallback.
    assert.ok(refused >= 60 * 12, `link was tried ${refused} times`);
  });

  test("another error of link is not taken for a missing hard link: the write fails", async () => {
    const original = lockFileCalls.link;
    lockFileCalls.link = async () => {
      throw Object.assign(new Error("EIO: i/o error, link"), { code: "EIO" });
    };
    try {
      await assert.rejects(new StorageJobState(new FileStorage(freshDirectory())).put("record", "x", undefined), /EIO/);
    } finally {
      lockFileCalls.link = original;
    }
  });
});

describe("temporary files left by processes killed while locking", () => {
  test("the first lock in a directory removes those no one can still use, and no other file", async () => {
    const directory = freshDirectory();
    const file = (name: string, text: string, ageSeconds = 0) => {
      writeFileSync(join(directory, name), text);
      if (ageSeconds > 0) aged(join(directory, name), ageSeconds);
      return name;
    };
    const removed = [
      file(`record.json.lock.${"a".repeat(32)}.tmp`, `${DEAD_PID} ${"a".repeat(32)}`),
      file(`record.json.lock.break.${"b".repeat(32)}.tmp`, `${DEAD_PID} ${"b".repeat(32)}`),
      file(`other.json.lock.${"c".repeat(32)}.tmp`, "", 60),
      file(`record.json.lock.${"d".repeat(32)}.tmp`, `${process.pid} ${"d".repeat(32)}`, 60),
      file("record.json.k3x9a0b1.tmp", '{"an":"old copy"}', 60),
    ];
    const kept = [
      // A waiter of this process (another storage object), or of a live process, may be using it.
      file(`record.json.lock.${"e".repeat(32)}.tmp`, `${process.pid} ${"e".repeat(32)}`),
      file(`record.json.lock.${"f".repeat(32)}.tmp`, `${process.ppid} ${"f".repeat(32)}`),
      // Being written by a live process (empty or in part: its age alone can tell).
      file(`record.json.lock.${"1".repeat(32)}.tmp`, ""),
      // A record's copy being written under its lock now.
      file("record.json.zz001122.tmp", '{"a":"new copy"}'),
      // Not a temporary file of the lock or of a record.
      file("notes.tmp", "mine", 60),
      file(`record.json.lock.${"a".repeat(31)}.tmp`, DEAD_PID, 60),
      file("record.jsonl.k3x9a0b1.tmp", "", 60),
    ];
    const state = new PackageStorageJobState(new PackageFileStorage(directory));
    assert.ok(await state.put("record", "first", undefined));
    const left = readdirSync(directory);
    assert.deepEqual(
      removed.filter((name) => left.includes(name)),
      [],
      "removed",
    );
    assert.deepEqual(left.sort(), [...kept, "record.json"].sort());
  });

  test("a takeover sweeps again: files left by a process that died after the directory's first sweep go too", async () => {
    const directory = freshDirectory();
    const state = new PackageStorageJobState(new PackageFileStorage(directory));
    assert.ok(await state.put("record", "first", undefined));
    // Then a process dies waiting, and another dies holding the lock.
    const leftover = `record.json.lock.${"9".repeat(32)}.tmp`;
    writeFileSync(join(directory, leftover), `${DEAD_PID} ${"9".repeat(32)}`);
    writeFileSync(join(directory, "record.json.lock"), `${DEAD_PID} ${TOKEN}`);
    assert.ok(await state.put("record", "second", (await state.get("record"))?.version));
    assert.deepEqual(readdirSync(directory), ["record.json"]);
  });
});
