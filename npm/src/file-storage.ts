/** Transparency files on the file system (Node, Deno, Bun). Not imported by the workers entry. */
import { appendFile, mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";

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
    await rename(await this.target(from), await this.target(to));
  }
}
