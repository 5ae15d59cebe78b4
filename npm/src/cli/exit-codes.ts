/** The CLI's exit codes, stable for scripts. */
export const ExitCode = {
  ok: 0,
  /** An unexpected failure. */
  failure: 1,
  /** Wrong command line. */
  usage: 2,
  /** A request or the batch is invalid (a line of a JSONL file that is not JSON too); nothing was sent. */
  validation: 3,
  /** The provider answered with an error, could not be reached, or did not answer in time. */
  provider: 4,
  /** The batch has not finished. */
  notComplete: 5,
} as const;
