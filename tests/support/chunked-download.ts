/**
 * An OpenAI finished batch whose results download is a given body cut into chunks at given
 * offsets, served by an injected `fetch`: for the credential search across chunk boundaries.
 */
import { openaiBatch } from "./output-file.js";

const encoder = new TextEncoder();

/** A fetch answering batch `batchId` as finished, and its download as `body` cut at `cuts` (ascending offsets). */
export function servingInChunks(batchId: string, body: string, cuts: number[] = []): (request: Request) => Promise<Response> {
  const bytes = encoder.encode(body);
  return async (request) => {
    const path = new URL(request.url).pathname;
    if (!path.endsWith("/content")) return new Response(JSON.stringify(openaiBatch(batchId)), { status: 200, headers: { "content-type": "application/json" } });
    const chunks: Uint8Array[] = [];
    let start = 0;
    for (const cut of cuts) {
      chunks.push(bytes.slice(start, cut));
      start = cut;
    }
    chunks.push(bytes.slice(start));
    return new Response(
      new ReadableStream<Uint8Array>({
        pull(controller) {
          const chunk = chunks.shift();
          if (chunk === undefined) controller.close();
          else controller.enqueue(chunk);
        },
      }),
      { status: 200, headers: { "content-length": String(bytes.length) } },
    );
  };
}
