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

/** Variables Deno refused to read (no `--allow-env` for them), for errors that would say "unset". */
const deniedVariables = new Set<string>();

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
    // Deno without --allow-env throws: treated as unset, and remembered, so that an error about
    // the variable can say why it reads as unset (a new-user trial was told to set a key it had set).
    deniedVariables.add(name);
    return undefined;
  }
}

/** The words for `names` that Deno refused to read, or "" when it refused none of them. */
export function deniedEnvironmentNote(names: readonly string[]): string {
  const denied = names.filter((name) => deniedVariables.has(name));
  if (denied.length === 0) return "";
  return ` (Deno refused to read ${denied.join(" and ")}: run with --allow-env, or --allow-env=${denied.join(",")})`;
}
