/** A counter kept in one record of a `JobStateStore`, incremented by read, compare and write. */
import type { JobStateStore } from "batch-router";

/** Adds one, reading again and retrying whenever another writer wrote in between. */
export async function incrementCounter(state: JobStateStore, key: string): Promise<void> {
  for (;;) {
    const current = await state.get(key);
    const value = current === undefined ? 0 : Number(current.value);
    if ((await state.put(key, String(value + 1), current?.version)) !== undefined) return;
  }
}
