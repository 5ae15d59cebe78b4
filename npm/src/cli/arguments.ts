/**
 * Reading a command's arguments with `node:util`'s `parseArgs`, in the package's own words: its
 * complaints are usage errors (exit 2); a negative number after an option that takes a value is
 * that option's value (`--max-output-tokens -5`), so the option's own check refuses it ("must be a
 * whole number"), not parseArgs' "argument is ambiguous … use '--max-output-tokens=-XYZ'"; and
 * arguments beyond the command's own are refused, not ignored (new-user trial, item 18).
 */
import { parseArgs, type ParseArgsConfig } from "node:util";

import { UsageError } from "./output.js";

type Options = NonNullable<ParseArgsConfig["options"]>;

/** What `parseArgs` gives for these options (its result type is not exported by name). */
type Parsed<T extends Options> = ReturnType<typeof parseArgs<{ args: string[]; options: T; allowPositionals: true; strict: true }>>;

/** A value that looks like a negative number (`-5`, `-0.5`, `-.5`, `-1e3`), not like an option. */
const NEGATIVE_NUMBER = /^-(\d|\.\d)/;

/** `args` with each `--option -5` (of an option taking a value) written `--option=-5`. */
function joinNegativeValues(args: string[], options: Options): string[] {
  const joined: string[] = [];
  for (let index = 0; index < args.length; index++) {
    const argument = args[index]!;
    const next = args[index + 1];
    const name = argument.startsWith("--") && !argument.includes("=") ? argument.slice(2) : undefined;
    if (name !== undefined && options[name]?.type === "string" && next !== undefined && NEGATIVE_NUMBER.test(next)) {
      joined.push(`${argument}=${next}`);
      index++;
    } else {
      joined.push(argument);
    }
  }
  return joined;
}

/**
 * Parses `args` for `command`; `positionals` names the arguments it takes in order (`["FILE"]`,
 * `["ID"]`, `[]`), and any more are refused.
 */
export function parseCommand<T extends Options>(command: string, args: string[], options: T, positionals: string[]): Parsed<T> {
  let parsed: Parsed<T>;
  try {
    parsed = parseArgs({ args: joinNegativeValues(args, options), options, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (parsed.positionals.length > positionals.length) {
    // Not quoted: a stray argument may be a key typed without its option.
    const given = parsed.positionals.length;
    const takes = positionals.length === 0 ? "takes no arguments besides options" : `takes one ${positionals.join(" ")} besides options`;
    throw new UsageError(`${command} ${takes}, but ${given} ${given === 1 ? "was" : "were"} given`);
  }
  return parsed;
}
