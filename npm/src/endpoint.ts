/**
 * The batch's endpoint, checked where a caller's value enters the package (the core would refuse
 * an unknown one with a deserialisation message that names no field).
 */
import { ValidationError } from "./errors.js";
import type { Endpoint } from "./types.js";

/** Every endpoint a batch may call: `chat` (the default), `responses` and `embeddings`. */
export const ENDPOINTS: readonly Endpoint[] = ["chat", "responses", "embeddings"];

/**
 * `endpoint` when it is one of {@link ENDPOINTS} (or absent).
 *
 * @throws {ValidationError} field `endpoint`, for any other value.
 */
export function checkedEndpoint(endpoint: unknown): Endpoint | undefined {
  if (endpoint === undefined || endpoint === null) return undefined;
  const known = ENDPOINTS.find((name) => name === endpoint);
  if (known === undefined) {
    throw new ValidationError(`endpoint: unknown endpoint ${JSON.stringify(endpoint)}; expected one of ${ENDPOINTS.join(", ")}`, { field: "endpoint" });
  }
  return known;
}
