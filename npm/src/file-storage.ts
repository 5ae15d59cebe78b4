/** Transparency files on the file system (Node, Deno, Bun). Not imported by the workers entry. */
import { appendFile, mkdir, open, readFile, rename, stat, unlink, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";

import type { BatchStorage } from "./storage.js";

/**
 * How long a lock file may stand before it counts as left by a process that died holding it, when
 * its holder cannot be checked. A holder keeps it for one read and one small write (milliseconds).
 */
const STALE_LOCK_MS = 30_000;

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

/** Keeps the transparency files under a directory (the default in Node, Deno and Bun). */
export class FileStorage implements BatchStorage {
  /** The root directory; files go under `generated/<provider>/`. */
  readonly directory: string;
  private readonly created = new Set<string>();

  constructor(directory: string) {
    this.directory = directory;
  }

  private async target(path: string): Promise<string> {
    const full = join(this.directory, ...path.split("/"));
    const parent = dirname(full);
    if (!this.created.has(parent)) {
      await mkdir(parent, { recursive: true });
      this.created.add(parent);
    }
    return full;
  }

  async write(path: string, data: string | Uint8Array): Promise<void> {
    await writeFile(await this.target(path), data);
  }

  async append(path: string, data: string | Uint8Array): Promise<void> {
    await appendFile(await this.target(path), data);
  }

  async read(path: string): Promise<string | undefined> {
    try {
      return await readFile(join(this.directory, ...path.split("/")), "utf8");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw error;
    }
  }

  async rename(from: string, to: string): Promise<void> {
    if (from === to) return;
    await rename(await this.target(from), await this.target(to));
  }

  async delete(path: string): Promise<void> {
    try {
      await unlink(join(this.directory, ...path.split("/")));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    }
  }

  /**
   * Runs `critical` while holding `<path>.lock`, a file created only if it does not exist (`O_EXCL`):
   * exclusive among every `FileStorage` on this directory, in this process or another. The lock names
   * its holder's process id: a lock whose process has died is broken at once, any other after 30 s.
   */
  async exclusive<T>(path: string, critical: () => Promise<T>): Promise<T> {
    const lock = (await this.target(path)) + ".lock";
    const process = await nodeProcess();
    for (let tries = 0; ; tries++) {
      try {
        const handle = await open(lock, "wx");
        try {
          await handle.writeFile(String(process.pid));
        } catch (error) {
          await handle.close();
          await unlink(lock).catch(() => undefined);
          throw error;
        }
        await handle.close();
        break;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      }
      try {
        if (Date.now() - (await stat(lock)).mtimeMs > STALE_LOCK_MS || holderIsGone(await readFile(lock, "utf8"), process)) await unlink(lock);
      } catch (error) {
        // Released (or broken by another waiter) in between: try again at once.
        if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
        continue;
      }
      await new Promise((resolve) => setTimeout(resolve, Math.min(50, 1 + tries) * (0.5 + Math.random())));
    }
    try {
      return await critical();
    } finally {
      await unlink(lock).catch(() => undefined);
    }
  }
}

/** Whether the process named in a lock file has ended (on this machine; the directory is local). */
function holderIsGone(text: string, process: NodeJS.Process): boolean {
  const pid = Number(text);
  if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "ESRCH";
  }
}
