/**
 * The lock file behind `FileStorage.exclusive`: one holder at a time among every process on one
 * machine's directory, and a lock left by a process that died holding it taken over at once,
 * without ever removing a live lock. Only `node:fs` calls that Node, Deno and Bun all have.
 *
 * Holding. The lock `<path>` is created only if it does not exist, whole: its text (the holder's
 * process id and a random token, unique to this holding) is written to a temporary file first,
 * then hard-linked to the lock's name, which fails if the name exists. No one ever reads a lock
 * that is empty or written in part, so every lock names its holder. (Where the file system has no
 * hard links — FAT, exFAT — the lock is created exclusively, then written; a writer killed in
 * between leaves an empty lock, which only its age can show to be stale.) A link keeps the
 * temporary file's modification time, so a waiter touches its file before each try.
 *
 * Stale. A lock is stale when the process it names does not exist (`kill(pid, 0)` answers
 * `ESRCH`: broken at once), or when it is older than 30 s (its holder cannot be checked: an empty
 * or foreign text; or a process id that exists, which may be the holder or another process that
 * took the id when the holder died, or this process's own id, held by another storage object or a
 * worker thread). A holder keeps the lock for one read and one small write, milliseconds.
 *
 * Taking over. POSIX has no "remove this file only if it is still the one I read", and that gap
 * was the fault: waiters A and B both read the dead holder's lock, A removed it and took a new
 * one, then B removed A's live lock and took its own, and both wrote. So a waiter that finds a
 * stale lock never removes it directly. It first takes a claim, `<path>.break`, created whole and
 * exclusively like the lock; under the claim it reads the lock again and removes it only if it is
 * still the same file (same text, which is unique to a holding, same inode, same modification
 * time); then it removes its claim. This is safe because, from that second read to the removal,
 * nothing else can change the lock's name: a new lock cannot be created over it (creation is
 * exclusive), its holder is gone (or past 30 s, the presumption the whole scheme rests on), and
 * every other remover needs the claim, which has one owner at a time. A waiter that read the
 * lock before it was broken finds, under the claim, a different lock or none, and leaves it.
 *
 * A breaker killed in the middle of a takeover leaves its claim, naming a dead process. A claim is
 * a lock like any other, so it is taken over the same way, under `<path>.break.break`, and so on:
 * each level is needed only when a breaker died holding the level below, so it stops after a few
 * (past that, a waiter only waits for the claims' owners). A holder releases the lock, and a
 * breaker its claim, only if it still holds its own text: a lock taken over after 30 s from a
 * holder that was only slow is left to its new holder.
 *
 * Temporary files. A process killed while it waited for a lock or a claim leaves its temporary
 * file (`<lock>.<token>.tmp`, holding its id and token), and one killed while it held a record's
 * lock may leave that record's temporary copy (`<record>.<word>.tmp`, see `StorageJobState`). The
 * first lock a process takes in a directory, and every takeover (the sign that a process died
 * there), sweeps the directory for such files that no one can still be using: a lock's temporary
 * file when it is stale as a lock would be (its process is gone, or it is older than 30 s: a live
 * waiter touches its file before each try), a record's copy when it is older than 30 s (it is
 * written and renamed under the record's lock, within milliseconds). No other file is touched.
 *
 * The process ids must be those of one machine and one process id namespace (containers sharing a
 * directory see one another's processes as absent): a lock's holder is judged from its id alone.
 */
import { link, open, readdir, unlink, utimes, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";

/** How old a lock must be to count as stale when its holder cannot be shown to have ended. */
const STALE_LOCK_MS = 30_000;

/** How many claims may stand on one another before a waiter stops breaking and only waits. */
const MAX_CLAIM_DEPTH = 8;

/** Errors of `link` on a file system without hard links: the lock is then created and written. */
const NO_HARD_LINKS = new Set(["EPERM", "ENOTSUP", "EOPNOTSUPP", "ENOSYS"]);

/**
 * The `node:fs` call that tells the two ways of creating a lock apart, in an object a test may
 * change: no file system without hard links is at hand where the tests run.
 */
export const lockFileCalls = { link };

/** A lock's or claim's temporary file, and a record's temporary copy (`StorageJobState`). */
const LOCK_TEMPORARY = /\.lock(?:\.break)*\.[0-9a-f]{32}\.tmp$/;
const RECORD_TEMPORARY = /\.json\.[0-9a-z]{1,8}\.tmp$/;

/** Directories swept in this process (see "Temporary files" in the module's comment). */
const sweptDirectories = new Set<string>();

/**
 * `node:process`, loaded on first lock rather than at import: importing it builds the module's
 * namespace from every property of `process`, which creates stdin, stdout and stderr (streams, tty,
 * net), about 4 ms of the package's cold start in Node 20.
 */
let processModule: Promise<NodeJS.Process> | undefined;
const nodeProcess = (): Promise<NodeJS.Process> =>
  // @types/node declares the module as `export = process`, which hides the `default` export every
  // runtime gives an ES module import of it.
  (processModule ??= import("node:process").then((module) => (module as unknown as { default: NodeJS.Process }).default));

/** A lock file as read once: its text, and what tells one file under that name from the next. */
interface Sighting {
  text: string;
  inode: number;
  modified: number;
}

/** Runs `critical` while holding the lock file `lock` (see the module's comment). */
export async function withLockFile<T>(lock: string, critical: () => Promise<T>): Promise<T> {
  const process = await nodeProcess();
  if (!sweptDirectories.has(dirname(lock))) await sweepTemporaryFiles(dirname(lock), process);
  const text = await acquire(lock, process);
  try {
    return await critical();
  } finally {
    await release(lock, text);
  }
}

/** A holder's text: its process id and a token of this holding alone. */
function holderText(process: NodeJS.Process): { text: string; token: string } {
  const token = crypto.randomUUID().replaceAll("-", "");
  return { text: `${process.pid} ${token}`, token };
}

async function acquire(lock: string, process: NodeJS.Process): Promise<string> {
  const { text, token } = holderText(process);
  const temporary = `${lock}.${token}.tmp`;
  await writeFile(temporary, text);
  try {
    for (let tries = 0; ; tries++) {
      // The lock takes the temporary file's modification time: a waiter that waited 30 s must not
      // create a lock that others already count as stale.
      if (tries > 0) {
        const now = new Date();
        await utimes(temporary, now, now);
      }
      if (await createWhole(lock, text, temporary)) return text;
      const sighting = await sight(lock);
      // Released in between, or a stale lock taken over: try again at once.
      if (sighting === undefined || (isStale(sighting, process) && (await takeOver(lock, sighting, process, 1)))) continue;
      await new Promise((resolve) => setTimeout(resolve, Math.min(50, 1 + tries) * (0.5 + Math.random())));
    }
  } finally {
    await unlink(temporary).catch(() => undefined);
  }
}

/**
 * Removes the stale `path` (as `sighting` saw it) under the claim `<path>.break`, taking over the
 * claim first if its breaker died. Whether to look again at once (`false`: a live breaker holds the
 * claim, wait for it).
 */
async function takeOver(path: string, sighting: Sighting, process: NodeJS.Process, depth: number): Promise<boolean> {
  if (depth > MAX_CLAIM_DEPTH) return false;
  const claim = `${path}.break`;
  const { text, token } = holderText(process);
  const temporary = `${claim}.${token}.tmp`;
  await writeFile(temporary, text);
  let claimed: boolean;
  try {
    claimed = await createWhole(claim, text, temporary);
  } finally {
    await unlink(temporary).catch(() => undefined);
  }
  if (!claimed) {
    const other = await sight(claim);
    // Its breaker has finished: look again at once.
    if (other === undefined) return true;
    return isStale(other, process) && (await takeOver(claim, other, process, depth + 1));
  }
  try {
    const now = await sight(path);
    if (now !== undefined && now.text === sighting.text && now.inode === sighting.inode && now.modified === sighting.modified) {
      await unlink(path).catch(ignoreMissing);
    }
  } finally {
    await release(claim, text);
  }
  await sweepTemporaryFiles(dirname(path), process);
  return true;
}

/**
 * Removes the temporary files in `directory` that no one can still be using (see "Temporary files"
 * in the module's comment). Never throws: a file left only takes room.
 */
async function sweepTemporaryFiles(directory: string, process: NodeJS.Process): Promise<void> {
  sweptDirectories.add(directory);
  let names: string[];
  try {
    names = await readdir(directory);
  } catch {
    return;
  }
  for (const name of names) {
    const lockFile = LOCK_TEMPORARY.test(name);
    if (!lockFile && !RECORD_TEMPORARY.test(name)) continue;
    const path = join(directory, name);
    try {
      const sighting = await sight(path);
      if (sighting === undefined) continue;
      if (lockFile ? isStale(sighting, process) : Date.now() - sighting.modified > STALE_LOCK_MS) await unlink(path);
    } catch {
      // Gone meanwhile, or not readable: left where it is.
    }
  }
}

/** Removes a lock or claim this caller holds, unless it has been taken over meanwhile. */
async function release(path: string, text: string): Promise<void> {
  try {
    if ((await sight(path))?.text === text) await unlink(path);
  } catch {
    // Left where it is: others take it over once its holder has ended.
  }
}

/** Creates `path` holding `text` if nothing has that name, as a link to `temporary` (which holds `text`). */
async function createWhole(path: string, text: string, temporary: string): Promise<boolean> {
  try {
    await lockFileCalls.link(temporary, path);
    return true;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "EEXIST") return false;
    if (code === undefined || !NO_HARD_LINKS.has(code)) throw error;
  }
  let handle;
  try {
    handle = await open(path, "wx");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw error;
  }
  try {
    await handle.writeFile(text);
  } catch (error) {
    await handle.close();
    await unlink(path).catch(() => undefined);
    throw error;
  }
  await handle.close();
  return true;
}

/** The file under `path` as it is now (text and identity read from one open file), if any. */
async function sight(path: string): Promise<Sighting | undefined> {
  let handle;
  try {
    handle = await open(path, "r");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
  try {
    const stats = await handle.stat();
    return { text: await handle.readFile("utf8"), inode: stats.ino, modified: stats.mtimeMs };
  } finally {
    await handle.close();
  }
}

/** Whether a lock or claim may be taken over (see the module's comment). */
function isStale(sighting: Sighting, process: NodeJS.Process): boolean {
  if (Date.now() - sighting.modified > STALE_LOCK_MS) return true;
  // `<pid> <token>`, or `<pid>` alone as earlier versions wrote it.
  const pid = Number(/^(\d+)(?: [0-9a-f]{32})?$/.exec(sighting.text)?.[1]);
  if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "ESRCH";
  }
}

function ignoreMissing(error: unknown): void {
  if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
}
