/** Transparency files on the file system (Node, Deno, Bun). Not imported by the workers entry. */
import { appendFile, mkdir, readFile, rename, unlink, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";

import { withLockFile } from "./file-lock.js";

import type { BatchStorage } from "./storage.js";

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
   * Runs `critical` while holding `<path>.lock`, a file created only if it does not exist:
   * exclusive among every `FileStorage` on this directory, in this process or another. The lock names
   * its holder's process id: a lock whose process has died is taken over at once, any other after
   * 30 s; a takeover removes only the stale lock it judged, never one taken since (see `file-lock.ts`).
   */
  async exclusive<T>(path: string, critical: () => Promise<T>): Promise<T> {
    return withLockFile((await this.target(path)) + ".lock", critical);
  }
}
