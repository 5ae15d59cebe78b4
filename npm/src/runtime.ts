/**
 * What differs between runtimes, set once by the entry point: where transparency files go by default.
 */
import { MemoryStorage, type BatchStorage } from "./storage.js";

export interface Runtime {
  /** The storage used when a provider is given neither `storage` nor `false`. */
  defaultStorage(directory: string): BatchStorage;
}

let runtime: Runtime = { defaultStorage: () => new MemoryStorage() };

export function setRuntime(next: Runtime): void {
  runtime = next;
}

export function currentRuntime(): Runtime {
  return runtime;
}

/** Reads an environment variable in Node, Bun, Deno or a worker (where there are none). */
export function readEnvironment(name: string): string | undefined {
  const globals = globalThis as {
    process?: { env?: Record<string, string | undefined> };
    Deno?: { env: { get(name: string): string | undefined } };
  };
  try {
    const fromProcess = globals.process?.env?.[name];
    if (fromProcess !== undefined) return fromProcess;
    return globals.Deno?.env.get(name);
  } catch {
    // Deno without --allow-env throws: treat as unset.
    return undefined;
  }
}
