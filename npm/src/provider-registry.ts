/**
 * The providers the package speaks to, as the core's registry lists them: names, aliases,
 * environment variables and batch-id shapes. The router, the CLI and the docs read this one list.
 */
import type { ProviderName } from "./types.js";
import { providerOfBatchIdInCore, providerRegistryInCore, type ProviderEntry } from "./wasm.js";

let entries: readonly ProviderEntry[] | undefined;

/** Every provider, in the order the docs list them. Read on first use: the core loads with the entry. */
export function providerEntries(): readonly ProviderEntry[] {
  entries ??= providerRegistryInCore();
  return entries;
}

/** The registry entry of a provider. */
export function providerEntry(name: ProviderName): ProviderEntry {
  const entry = providerEntries().find((candidate) => candidate.name === name);
  // The core's registry lists every `ProviderName`: a missing entry is a build error, not input.
  if (!entry) throw new Error(`the provider registry has no entry for ${name}`);
  return entry;
}

/** Every provider's name. */
export function providerNames(): ProviderName[] {
  return providerEntries().map((entry) => entry.name);
}

/** The provider a name or alias (any case) stands for, e.g. `gemini` → `google`. */
export function canonicalProviderName(name: string): ProviderName | undefined {
  const lower = name.toLowerCase();
  return providerEntries().find((entry) => entry.name === lower || entry.aliases.includes(lower))?.name;
}

/** The provider a batch id belongs to, where its shape tells (`batch_…` is OpenAI's, …). */
export function providerOfBatchId(batchId: string): ProviderName | undefined {
  return providerOfBatchIdInCore(batchId);
}
