/**
 * Keeps the configured API key out of what a provider answers with an error: some providers echo
 * a wrong key in their message ("Incorrect API key provided: sk-…"), which would otherwise reach
 * errors, results, manifests and stored records. The body of every non-2xx answer is rewritten
 * before anything reads it; successful answers (result downloads) pass untouched.
 */

/** Shorter keys are not searched for: too likely to match ordinary text. */
const MINIMUM_KEY_LENGTH = 8;

export const REDACTED_KEY = "[redacted]";

/** `text` with every occurrence of `key` replaced. */
export function redactKey(text: string, key: string): string {
  return key.length >= MINIMUM_KEY_LENGTH && text.includes(key) ? text.split(key).join(REDACTED_KEY) : text;
}

/** A fetch whose error answers never contain `key`. */
export function redactingFetch(fetchFunction: (request: Request) => Promise<Response>, key: string): (request: Request) => Promise<Response> {
  if (key.length < MINIMUM_KEY_LENGTH) return fetchFunction;
  return async (request) => {
    const response = await fetchFunction(request);
    if (response.ok) return response;
    const text = await response.text();
    const headers = new Headers(response.headers);
    // The body is now the decoded, possibly shorter text.
    headers.delete("content-length");
    headers.delete("content-encoding");
    return new Response(redactKey(text, key), { status: response.status, statusText: response.statusText, headers });
  };
}
