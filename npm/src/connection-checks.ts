/**
 * A provider's credentials and base URL, checked when the provider is made: a key that cannot be
 * sent in an HTTP header, or a base URL that does not parse, otherwise failed at the first call as
 * a *retryable* `ConnectionError` whose message quoted the key (`Headers.append: "Bearer …" is an
 * invalid header value`), found by a new-user trial. Neither message here quotes what was given:
 * a key never reaches a message, and a base URL may hold one (`https://user:key@host`).
 */
import { ConfigurationError, ValidationError } from "./errors.js";

/**
 * The first character of `value` that no HTTP header value may hold, described, with its position
 * (from 1). Fetch refuses NUL, CR and LF, and every character above U+00FF (header values are
 * bytes: fetch's ByteString); the other control characters are refused here too, as no key or
 * token holds one (a tab or an escape pasted in with it would be sent as part of the key).
 */
function unsendableCharacter(value: string): string | undefined {
  for (let position = 0; position < value.length; position++) {
    const code = value.charCodeAt(position);
    if (code >= 0x20 && code < 0x7f) continue;
    if (code > 0x7f && code <= 0xff) continue;
    const where = `at character ${position + 1}`;
    if (code === 0x0a || code === 0x0d) return `a line break ${where}`;
    if (code === 0) return `a NUL character ${where}`;
    if (code < 0x20 || code === 0x7f) return `a control character (U+${code.toString(16).toUpperCase().padStart(4, "0")}) ${where}`;
    return `a character outside Latin-1 ${where}`;
  }
  return undefined;
}

/**
 * Refuses a credential that cannot travel in an HTTP header. `origin` says where it came from:
 * an option (`options.apiKey`: a `ValidationError` at that field) or an environment variable
 * (a `ConfigurationError` naming it). The credential itself is never in the message.
 */
export function checkCredential(value: string | undefined, origin: { option: string } | { variable: string }): void {
  if (value === undefined) return;
  const found = unsendableCharacter(value);
  if (found === undefined) return;
  const why = `cannot be sent in an HTTP header: it holds ${found} (the value is not shown)`;
  if ("option" in origin) throw new ValidationError(`${origin.option}: ${why}`, { field: origin.option });
  throw new ConfigurationError(`${origin.variable}: ${why}`);
}

/** Refuses a base URL that is not an absolute http:// or https:// URL; `origin` as for {@link checkCredential}. */
export function checkBaseUrl(value: string | undefined, origin: { option: string } | { variable: string }): void {
  if (value === undefined) return;
  let protocol: string | undefined;
  try {
    protocol = new URL(value).protocol;
  } catch {
    protocol = undefined;
  }
  if (protocol === "http:" || protocol === "https:") return;
  // The scheme is not quoted either: a key put here by mistake may parse as one (`abc:def`).
  const given = protocol === undefined ? "what was given does not parse as a URL" : "its scheme is neither";
  const why = `must be an absolute http:// or https:// URL (such as https://api.openai.com/v1); ${given}`;
  if ("option" in origin) throw new ValidationError(`${origin.option}: ${why}`, { field: origin.option });
  throw new ConfigurationError(`${origin.variable}: ${why}`);
}
