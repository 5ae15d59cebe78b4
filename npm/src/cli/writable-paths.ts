/**
 * Output paths named on the command line (`--out FILE`, `--dir DIR`), checked before anything is
 * read, converted or downloaded: a path that cannot be written is a usage error (exit 2) naming the
 * option and the path, not a Node stack trace after the download (new-user trial, item 15).
 * Nothing is created by the check.
 */
import { constants } from "node:fs";
import { access, stat } from "node:fs/promises";
import { dirname, resolve } from "node:path";

import { UsageError } from "./output.js";

/** The nearest existing path at or above `path`, and its stats. */
async function nearestExisting(path: string): Promise<{ path: string; isDirectory: boolean }> {
  for (let current = resolve(path); ; current = dirname(current)) {
    try {
      return { path: current, isDirectory: (await stat(current)).isDirectory() };
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if ((code !== "ENOENT" && code !== "ENOTDIR") || dirname(current) === current) throw error;
    }
  }
}

async function writable(path: string): Promise<boolean> {
  return access(path, constants.W_OK).then(
    () => true,
    () => false,
  );
}

/** Refuses `--out FILE` when FILE is a directory, or cannot be written or created. */
export async function checkWritableFile(option: string, path: string): Promise<void> {
  const cannot = (why: string) => new UsageError(`${option} ${path}: cannot write it: ${why}`);
  const existing = await nearestExisting(path).catch((error: Error) => {
    throw cannot(error.message);
  });
  const target = resolve(path);
  if (existing.path === target) {
    if (existing.isDirectory) throw cannot("it is a directory");
    if (!(await writable(target))) throw cannot("permission denied");
    return;
  }
  if (existing.path !== dirname(target)) throw cannot(`its directory ${dirname(path)} does not exist`);
  if (!existing.isDirectory) throw cannot(`${dirname(path)} is not a directory`);
  if (!(await writable(existing.path))) throw cannot(`permission denied in ${dirname(path)}`);
}

/** Refuses `--dir DIR` when DIR is not a directory, or cannot be created or written. */
export async function checkWritableDirectory(option: string, path: string): Promise<void> {
  const cannot = (why: string) => new UsageError(`${option} ${path}: cannot write there: ${why}`);
  const existing = await nearestExisting(path).catch((error: Error) => {
    throw cannot(error.message);
  });
  if (!existing.isDirectory) throw cannot(existing.path === resolve(path) ? "it is not a directory" : `${existing.path} is not a directory`);
  if (!(await writable(existing.path))) throw cannot(`permission denied in ${existing.path}`);
}
