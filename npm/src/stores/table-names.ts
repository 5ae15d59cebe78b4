/**
 * The two table names of the SQL job stores (PostgreSQL, D1): `<prefix>records` and
 * `<prefix>files`. The prefix goes into the SQL text (a table name cannot be a parameter), so only
 * a plain name is accepted.
 */
import { ConfigurationError } from "../errors.js";

export const DEFAULT_TABLE_PREFIX = "batch_router_";

export interface TableNames {
  records: string;
  files: string;
}

/** The table names for `prefix` (letters, digits and `_`, not starting with a digit, ≤ 41 characters); a `ConfigurationError` otherwise. */
export function tableNames(prefix: string = DEFAULT_TABLE_PREFIX): TableNames {
  if (!/^[A-Za-z_][A-Za-z0-9_]{0,40}$/.test(prefix)) {
    throw new ConfigurationError("tablePrefix: letters, digits and `_` only, not starting with a digit, at most 41 characters");
  }
  return { records: `${prefix}records`, files: `${prefix}files` };
}
