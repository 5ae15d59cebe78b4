/** What the provider suites share for a batch: reading all its results, and polling it to its end. */
import type { BatchProvider, UnifiedResult } from "batch-router";

export async function collect(iterable: AsyncIterable<UnifiedResult>): Promise<UnifiedResult[]> {
  const results: UnifiedResult[] = [];
  for await (const result of iterable) results.push(result);
  return results;
}

/** Polls an emulated batch (each status read advances it) until it has ended. */
export async function waitUntilComplete(provider: BatchProvider, batchId: string) {
  for (let attempt = 0; attempt < 20; attempt++) {
    const status = await provider.getStatus(batchId);
    if (status.isComplete()) return status;
  }
  throw new Error(`batch ${batchId} did not complete`);
}
