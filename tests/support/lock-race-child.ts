/**
 * Races conditional writes from one version in rounds prepared by the file lock suite, in a process of
 * its own. Arguments: a JSON file listing the rounds (`{ directory, version }`), this process's
 * name, how many writers (each with its own storage object) it races per round. Prints `ready`,
 * then reads a start time (epoch milliseconds) from stdin; round `n` starts at that time plus
 * `n` × `spacing` ms (the last argument), in every process at once. Prints one line per round: the
 * round's number and the values this process wrote successfully.
 */
import { readFileSync } from "node:fs";
import process from "node:process";

import { FileStorage, StorageJobState } from "batch-router";

const [roundsFile, name, writers, spacing] = process.argv.slice(-4);
const rounds = JSON.parse(readFileSync(roundsFile!, "utf8")) as { directory: string; version: string }[];

process.stdout.write("ready\n");
const startAt = await new Promise<number>((resolve) => {
  let input = "";
  process.stdin.on("data", (chunk) => {
    input += String(chunk);
    if (input.includes("\n")) {
      process.stdin.pause();
      resolve(Number(input.trim()));
    }
  });
});

for (const [index, round] of rounds.entries()) {
  const at = startAt + index * Number(spacing);
  if (at - Date.now() > 5) await new Promise((resolve) => setTimeout(resolve, at - Date.now() - 5));
  // The last few milliseconds by the clock alone, so that every process starts within a millisecond.
  while (Date.now() < at);
  const values = Array.from({ length: Number(writers) }, (_, writer) => `${name}-${writer}`);
  const outcomes = await Promise.all(values.map((value) => new StorageJobState(new FileStorage(round.directory)).put("record", value, round.version)));
  const won = values.filter((_, writer) => outcomes[writer] !== undefined);
  process.stdout.write(`${index} ${JSON.stringify(won)}\n`);
}
