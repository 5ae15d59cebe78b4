/**
 * Adds one to a counter record many times with conditional writes, in a process of its own, for
 * the file store's locking suite. Arguments: the storage directory, the record key, how many
 * increments. Prints `done` at the end.
 */
import process from "node:process";

import { FileStorage, StorageJobState } from "batch-router";

import { incrementCounter } from "./counter.js";

const [directory, key, count] = process.argv.slice(-3);
const state = new StorageJobState(new FileStorage(directory!));
for (let done = 0; done < Number(count); done++) await incrementCounter(state, key!);
process.stdout.write("done\n");
