/**
 * Keeps the configured credentials (the API key, and Azure's Entra token where one is given) out
 * of what a provider answers: some providers echo a wrong key in their message ("Incorrect API key
 * provided: sk-…") or in a header a `ProviderError` reads (`x-request-id`), which would otherwise
 * reach errors, results, manifests and stored records. The body of every non-2xx answer and the
 * headers of every answer are rewritten before anything reads them; successful bodies (result
 * downloads, where a request's own error line may quote the key) are searched chunk by chunk as
 * they stream (`redact-chunks.ts`).
 */
import { redactedBody } from "./redact-chunks.js";

/** Shorter secrets are not searched for: too likely to match ordinary text. */
const MINIMUM_SECRET_LENGTH = 8;

export const REDACTED_KEY = "[redacted]";

/** `text` with every occurrence of each secret replaced by `[redacted]`. */
function redactSecrets(text: string, secrets: readonly string[]): string {
  for (const secret of secrets) {
    if (text.includes(secret)) text = text.split(secret).join(REDACTED_KEY);
  }
  return text;
}

/** The secrets long enough to be searched for, longest first (a key that contains another is replaced whole). */
function searchable(secrets: readonly (string | undefined)[]): string[] {
  const kept = secrets.filter((secret): secret is string => secret !== undefined && secret.length >= MINIMUM_SECRET_LENGTH);
  return [...new Set(kept)].sort((left, right) => right.length - left.length);
}

/** The answer's headers with every secret replaced, or `undefined` when none holds one. */
function redactedHeaders(headers: Headers, secrets: readonly string[]): Headers | undefined {
  let redacted: Headers | undefined;
  headers.forEach((value, name) => {
    const clean = redactSecrets(value, secrets);
    if (clean !== value) {
      redacted ??= new Headers(headers);
      redacted.set(name, clean);
    }
  });
  return redacted;
}

/** A fetch whose error answers, and whose answers' headers, never contain any of `secrets`. */
export function redactingFetch(
  fetchFunction: (request: Request) => Promise<Response>,
  secrets: readonly (string | undefined)[],
): (request: Request) => Promise<Response> {
  const searched = searchable(secrets);
  if (searched.length === 0) return fetchFunction;
  return async (request) => {
    const response = await fetchFunction(request);
    // Not a fetch answer (no readable body stream): left for the driver to refuse in its own words.
    if (response.body !== null && typeof response.body?.getReader !== "function") return response;
    if (response.ok) {
      if (response.body === null) {
        const headers = redactedHeaders(response.headers, searched);
        return headers === undefined ? response : new Response(null, { status: response.status, statusText: response.statusText, headers });
      }
      const headers = redactedHeaders(response.headers, searched) ?? new Headers(response.headers);
      // The body may come out shorter or longer than it was sent.
      headers.delete("content-length");
      return new Response(redactedBody(response.body, searched), { status: response.status, statusText: response.statusText, headers });
    }
    const text = await response.text();
    const headers = redactedHeaders(response.headers, searched) ?? new Headers(response.headers);
    // The body is now the decoded, possibly shorter text.
    headers.delete("content-length");
    headers.delete("content-encoding");
    return new Response(redactSecrets(text, searched), { status: response.status, statusText: response.statusText, headers });
  };
}

/**
 * Every credential a provider was made with in this process, so that a message taken from the
 * runtime (fetch, `Headers`, a rejected promise) is cleaned wherever it is wrapped into our errors,
 * however it got there: a runtime's own message may quote what it was handed (`Headers.append:
 * "Bearer …" is an invalid header value`), and that path never passes through `redactingFetch`.
 * Kept longest first, as `searchable` orders them.
 */
let knownCredentials: string[] = [];

/** Remembers a provider's credentials for {@link redactCredentials}. */
export function rememberCredentials(secrets: readonly (string | undefined)[]): void {
  const added = searchable(secrets).filter((secret) => !knownCredentials.includes(secret));
  if (added.length > 0) knownCredentials = searchable([...knownCredentials, ...added]);
}

/** `text` with every credential a provider was made with replaced by `[redacted]`. */
export function redactCredentials(text: string): string {
  return knownCredentials.length === 0 ? text : redactSecrets(text, knownCredentials);
}
