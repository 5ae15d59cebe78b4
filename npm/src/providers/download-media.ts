/**
 * Gemini's batch API takes images and documents only inline (base64) or as Files API URIs. With
 * `downloadUrls`, parts given as plain http(s) URLs are downloaded and inlined before conversion —
 * an explicit opt-in, since it fetches from wherever the URLs point.
 */
import { untilAborted } from "../abortable.js";
import { ValidationError } from "../errors.js";
import type { ContentPart, MediaContent, UnifiedRequest } from "../types.js";

function toBase64(bytes: Uint8Array): string {
  let binary = "";
  const step = 0x8000;
  for (let offset = 0; offset < bytes.length; offset += step) {
    binary += String.fromCharCode(...bytes.subarray(offset, offset + step));
  }
  return btoa(binary);
}

async function download(
  media: MediaContent,
  fetchFunction: (request: Request) => Promise<Response>,
  where: { index: number; customId: string; field: string },
  signal?: AbortSignal,
): Promise<MediaContent> {
  let response: Response;
  try {
    response = await fetchFunction(new Request(media.data, { signal }));
  } catch (error) {
    throw new ValidationError(`request ${where.index} (customId "${where.customId}"): ${where.field}.data: could not download ${media.data}: ${(error as Error).message}`, { ...where, field: `${where.field}.data` });
  }
  if (!response.ok) {
    throw new ValidationError(`request ${where.index} (customId "${where.customId}"): ${where.field}.data: downloading ${media.data} answered HTTP ${response.status}`, { ...where, field: `${where.field}.data` });
  }
  const mediaType = media.mediaType ?? response.headers.get("content-type")?.split(";")[0]?.trim();
  if (!mediaType) {
    throw new ValidationError(`request ${where.index} (customId "${where.customId}"): ${where.field}.mediaType: is required (the download of ${media.data} named no content type)`, { ...where, field: `${where.field}.mediaType` });
  }
  const inlined: MediaContent = { sourceType: "base64", mediaType, data: toBase64(new Uint8Array(await untilAborted(response.arrayBuffer(), signal))) };
  if (media.filename !== undefined) inlined.filename = media.filename;
  return inlined;
}

/** The requests with every http(s) URL image or document downloaded and inlined as base64. */
export async function inlineUrlMedia(
  requests: UnifiedRequest[],
  fetchFunction: (request: Request) => Promise<Response>,
  signal?: AbortSignal,
): Promise<UnifiedRequest[]> {
  const resolved: UnifiedRequest[] = [];
  for (const [index, request] of requests.entries()) {
    let changed = false;
    const messages = [];
    for (const [messageIndex, message] of (request.messages ?? []).entries()) {
      if (typeof message.content === "string") {
        messages.push(message);
        continue;
      }
      const parts: ContentPart[] = [];
      for (const [partIndex, part] of message.content.entries()) {
        if ((part.type === "image" || part.type === "document") && part.sourceType === "url") {
          const field = `messages[${messageIndex}].content[${partIndex}]`;
          const inlined = await download(part, fetchFunction, { index, customId: request.customId, field }, signal);
          parts.push({ type: part.type, ...inlined });
          changed = true;
        } else {
          parts.push(part);
        }
      }
      messages.push({ ...message, content: parts });
    }
    resolved.push(changed ? { ...request, messages } : request);
  }
  return resolved;
}
