/**
 * Signs a webhook delivery as OpenAI and Gemini's static webhooks do (Standard Webhooks:
 * HMAC-SHA256 over `{webhook-id}.{webhook-timestamp}.{body}`, `v1,<base64>`; endpoints-and-push.md
 * §3.2), for the suites that play the provider's side.
 */

/** The `webhook-signature` value for a `whsec_<keyBase64>` secret. */
export async function standardWebhookSignature(keyBase64: string, id: string, timestamp: number, body: string): Promise<string> {
  const raw = Uint8Array.from(atob(keyBase64), (char) => char.charCodeAt(0));
  const key = await crypto.subtle.importKey("raw", raw, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const signature = new Uint8Array(await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(`${id}.${timestamp}.${body}`)));
  return `v1,${btoa(String.fromCharCode(...signature))}`;
}

/** The headers and body of an OpenAI `batch.completed` event for `batchId`. */
export async function openaiBatchEvent(keyBase64: string, batchId: string, options: { id: string; timestamp?: number }): Promise<{ headers: Record<string, string>; body: string }> {
  const timestamp = options.timestamp ?? Math.floor(Date.now() / 1000);
  const body = JSON.stringify({ id: `evt_${options.id}`, type: "batch.completed", created_at: timestamp, data: { id: batchId }, object: "event" });
  const headers = {
    "content-type": "application/json",
    "webhook-id": options.id,
    "webhook-timestamp": String(timestamp),
    "webhook-signature": await standardWebhookSignature(keyBase64, options.id, timestamp, body),
  };
  return { headers, body };
}
