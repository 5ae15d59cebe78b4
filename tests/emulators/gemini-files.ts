/**
 * The Gemini Files API as the batch emulator needs it (reference §3.6): the resumable upload
 * (`start`, then one `upload, finalize` with the declared byte count), file metadata, and the media
 * download `/download/v1beta/files/{id}:download?alt=media` streamed in chunks.
 */
import type { JsonObject } from "./gemini-responses.js";
import { failure, json, type EmulatorClock } from "./google-http.js";

export interface StoredFile {
  resource: JsonObject & { name: string };
  bytes: Uint8Array;
}

interface UploadSession {
  declaredBytes: number;
  displayName: string;
  mimeType: string;
}

export class GeminiFiles {
  private readonly stored = new Map<string, StoredFile>();
  private readonly sessions = new Map<string, UploadSession>();

  constructor(private readonly clock: EmulatorClock) {}

  get(name: string): StoredFile | undefined {
    return this.stored.get(name);
  }

  delete(name: string): boolean {
    return this.stored.delete(name);
  }

  text(name: string): string | undefined {
    const file = this.stored.get(name);
    return file ? new TextDecoder().decode(file.bytes) : undefined;
  }

  /** Replaces a file's content, e.g. to plant a line without a key. */
  setText(name: string, content: string): void {
    const file = this.stored.get(name);
    if (!file) return;
    file.bytes = new TextEncoder().encode(content);
    file.resource.sizeBytes = String(file.bytes.length);
  }

  /** Stores a file the service wrote itself (a responses file) and returns its name. */
  storeGenerated(content: string): string {
    const bytes = new TextEncoder().encode(content);
    const time = this.clock.now();
    const resource: StoredFile["resource"] = {
      name: `files/batch-out-${this.clock.nextId()}`,
      mimeType: "application/jsonl",
      sizeBytes: String(bytes.length),
      createTime: time,
      updateTime: time,
      expirationTime: this.clock.hoursFromNow(48),
      state: "ACTIVE",
      source: "GENERATED",
    };
    this.stored.set(resource.name, { resource, bytes });
    return resource.name;
  }

  describe(name: string): Response {
    const file = this.stored.get(name);
    return file ? json(200, file.resource) : failure(404, `File ${name} not found.`);
  }

  /** `POST /upload/v1beta/files` with `X-Goog-Upload-Command: start`: opens a session. */
  startUpload(url: URL, headers: Headers, body: Uint8Array): Response {
    if (headers.get("x-goog-upload-protocol") !== "resumable") return failure(400, "Only the resumable upload protocol is emulated.");
    if (headers.get("x-goog-upload-command") !== "start") return failure(400, "The first upload call must have X-Goog-Upload-Command: start.");
    const declared = headers.get("x-goog-upload-header-content-length");
    if (declared === null || !/^\d+$/.test(declared)) return failure(400, "X-Goog-Upload-Header-Content-Length is required.");
    let displayName = "";
    if (body.length > 0) {
      let file: unknown;
      try {
        file = (JSON.parse(new TextDecoder().decode(body)) as { file?: unknown }).file;
      } catch {
        return failure(400, "Invalid JSON payload received.");
      }
      const names = file as { displayName?: unknown; display_name?: unknown } | undefined;
      const name = names?.displayName ?? names?.display_name;
      if (typeof name === "string") displayName = name;
    }
    const uploadId = `upload-${this.clock.nextId()}`;
    this.sessions.set(uploadId, {
      declaredBytes: Number(declared),
      displayName,
      mimeType: headers.get("x-goog-upload-header-content-type") ?? "application/octet-stream",
    });
    return new Response(null, {
      status: 200,
      headers: {
        "x-goog-upload-url": `${url.origin}/upload/v1beta/files?upload_id=${uploadId}&upload_protocol=resumable`,
        "x-goog-upload-status": "active",
      },
    });
  }

  /** The session URL with `X-Goog-Upload-Command: upload, finalize`: stores the bytes. */
  finishUpload(url: URL, headers: Headers, body: Uint8Array): Response {
    const uploadId = url.searchParams.get("upload_id") ?? "";
    const session = this.sessions.get(uploadId);
    if (!session) return failure(404, `No upload session ${uploadId}.`);
    const command = (headers.get("x-goog-upload-command") ?? "").split(",").map((part) => part.trim());
    if (command.join(",") !== "upload,finalize") return failure(400, "Expected X-Goog-Upload-Command: upload, finalize.");
    if (headers.get("x-goog-upload-offset") !== "0") return failure(400, "Expected X-Goog-Upload-Offset: 0 for a single-chunk upload.");
    if (body.length !== session.declaredBytes) {
      return failure(400, `The upload has ${body.length} bytes but ${session.declaredBytes} were declared.`);
    }
    this.sessions.delete(uploadId);
    const id = `in-${this.clock.nextId()}`;
    const time = this.clock.now();
    const resource: StoredFile["resource"] = {
      name: `files/${id}`,
      displayName: session.displayName,
      mimeType: session.mimeType,
      sizeBytes: String(body.length),
      createTime: time,
      updateTime: time,
      expirationTime: this.clock.hoursFromNow(48),
      uri: `${url.origin}/v1beta/files/${id}`,
      state: "ACTIVE",
      source: "UPLOADED",
    };
    this.stored.set(resource.name, { resource, bytes: body });
    return json(200, { file: resource }, { "x-goog-upload-status": "final" });
  }

  download(name: string, url: URL, chunkSize: number): Response {
    if (url.searchParams.get("alt") !== "media") return failure(400, "Downloads need alt=media.");
    const file = this.stored.get(name);
    if (!file) return failure(404, `File ${name} not found.`);
    const bytes = file.bytes;
    let offset = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (offset >= bytes.length) {
          controller.close();
          return;
        }
        controller.enqueue(bytes.slice(offset, offset + chunkSize));
        offset += chunkSize;
      },
    });
    return new Response(stream, { status: 200, headers: { "content-type": "application/octet-stream" } });
  }
}
