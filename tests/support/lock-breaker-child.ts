/**
 * Breaks dead holders' locks over and over, in a process of its own, for the file lock suite to kill
 * at a random instant (often in the middle of a takeover). Argument: the storage directory. Each
 * turn leaves a lock naming a process that does not exist, then writes the record through it.
 * Prints `started` after the first turn.
 */
import { renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";

import { FileStorage, StorageJobState } from "batch-router";

const directory = process.argv[process.argv.length - 1]!;
const state = new StorageJobState(new FileStorage(directory));
for (let turn = 0; ; turn++) {
  const current = await state.get("record");
  // Whole or not at all (written aside, then renamed): killed in the middle of a plain write, this
  // stand-in for a dead holder's lock was left empty, which only its age shows to be stale (30 s).
  writeFileSync(join(directory, "dead-holder.tmp"), "4194303");
  renameSync(join(directory, "dead-holder.tmp"), join(directory, "record.json.lock"));
  if ((await state.put("record", String(turn), current?.version)) === undefined) throw new Error("a lone writer lost its write");
  if (turn === 0) process.stdout.write("started\n");
}
