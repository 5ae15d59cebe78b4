/**
 * A Together AI Batch API emulator, written from endpoints-and-push.md §5.4 and Together's OpenAPI
 * document (togethercomputer/openapi `openapi.yaml`: `POST /files/upload`, `CreateBatchRequest`,
 * `BatchJob`, `BatchJobWithWarning`, `BatchErrorResponse`): uploads to `/v1/files/upload` with
 * `purpose=batch-api` and a required `file_name`; create takes only `endpoint`, `input_file_id`,
 * `completion_window`, `priority`, `model_id` and answers 201 `{job, warning}`; batch objects use
 * uppercase statuses (`CANCELING` with one `l`), ISO timestamps, `model_id`, `progress` and no
 * request counts or metadata; the list is a bare array; batch errors are `{error: "<text>"}`.
 * Lifecycle, files and faults are the OpenAI emulator's.
 */
import { OpenAIEmulator, type OpenAIEmulatorOptions } from "./openai-emulator.js";

const TIMESTAMPS = ["created_at", "completed_at"];
const STATUS: Record<string, string> = {
  validating: "VALIDATING",
  in_progress: "IN_PROGRESS",
  finalizing: "IN_PROGRESS",
  completed: "COMPLETED",
  failed: "FAILED",
  expired: "EXPIRED",
  cancelling: "CANCELING",
  cancelled: "CANCELLED",
};

/** The OpenAI-shaped record as Together's `BatchJob`. */
function presentAsTogether(batch: Record<string, unknown>): Record<string, unknown> {
  const counts = batch.request_counts as { total: number; completed: number; failed: number };
  const done = ["completed", "failed", "expired", "cancelled"].includes(String(batch.status));
  const job: Record<string, unknown> = {
    id: batch.id,
    user_id: "user_emulated",
    input_file_id: batch.input_file_id,
    file_size_bytes: 1024,
    status: STATUS[String(batch.status)] ?? String(batch.status).toUpperCase(),
    job_deadline: new Date(((batch.expires_at as number) ?? 0) * 1000).toISOString(),
    endpoint: batch.endpoint,
    model_id: batch.model,
    progress: done ? 100 : counts.total === 0 ? 0 : (100 * (counts.completed + counts.failed)) / counts.total,
    output_file_id: batch.output_file_id ?? "",
    error_file_id: batch.error_file_id ?? "",
    error: batch.errors ? JSON.stringify(batch.errors) : "",
  };
  for (const name of TIMESTAMPS) {
    const at = name === "completed_at" ? (batch.completed_at ?? batch.failed_at ?? batch.cancelled_at ?? batch.expired_at) : batch[name];
    if (typeof at === "number") job[name] = new Date(at * 1000).toISOString();
  }
  return job;
}

/** A batch id as Together writes them: a UUID (`BatchJob.id`, format uuid). */
function uuidOf(id: string): string {
  const digits = id.replace(/\D/g, "").padStart(12, "0");
  return `01234567-8901-4345-8789-${digits.slice(-12)}`;
}

export interface TogetherEmulatorOptions extends OpenAIEmulatorOptions {
  /**
   * Upload only by Together's SDK route (endpoints-and-push.md §5.4 [BW-TG]): `POST /v1/files`
   * with the form fields answers 302 with `Location` (a signed URL, here `/signed/{id}`) and
   * `X-Together-File-Id`; the bytes come by `PUT` without the key; `POST /v1/files/{id}/preprocess`
   * makes the file usable. `/v1/files/upload` then answers 404.
   */
  signedUpload?: boolean;
}

/** The signed-URL upload in front of the emulator (see {@link TogetherEmulatorOptions.signedUpload}). */
function withSignedUpload(emulator: OpenAIEmulator, apiKey: string | undefined): OpenAIEmulator {
  const inner = emulator.fetch;
  const pending = new Map<string, { name: string; content?: string }>();
  let counter = 0;
  const handler = async (request: Request): Promise<Response> => {
    const url = new URL(request.url);
    const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
      new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json", ...headers } });
    const authorized = apiKey === undefined || request.headers.get("authorization") === `Bearer ${apiKey}`;
    if (url.pathname === "/v1/files/upload") return json(404, { error: "Not Found" });
    if (request.method === "POST" && url.pathname === "/v1/files") {
      emulator.received.push({ method: "POST", path: url.pathname, headers: Object.fromEntries(request.headers), bodyText: await request.clone().text() });
      if (!authorized) return json(401, { error: "Unauthorized" });
      const form = await request.formData();
      if (form.get("purpose") !== "batch-api" || typeof form.get("file_name") !== "string") return json(400, { error: "purpose batch-api and file_name are required" });
      if (form.get("file") !== null) return json(400, { error: "the file goes to the signed URL" });
      const id = `file-signed-${++counter}`;
      pending.set(id, { name: String(form.get("file_name")) });
      return new Response(null, { status: 302, headers: { location: `${url.origin}/signed/${id}?signature=emulated`, "x-together-file-id": id } });
    }
    let match: RegExpMatchArray | null;
    if (request.method === "PUT" && (match = url.pathname.match(/^\/signed\/([^/]+)$/))) {
      emulator.received.push({ method: "PUT", path: url.pathname + url.search, headers: Object.fromEntries(request.headers), bodyText: "" });
      const file = pending.get(match[1]!);
      if (!file || url.searchParams.get("signature") !== "emulated") return json(403, { error: "bad signature" });
      if (request.headers.has("authorization")) return json(400, { error: "a signed URL takes no authorization header" });
      file.content = await request.text();
      return new Response(null, { status: 200 });
    }
    if (request.method === "POST" && (match = url.pathname.match(/^\/v1\/files\/([^/]+)\/preprocess$/))) {
      emulator.received.push({ method: "POST", path: url.pathname, headers: Object.fromEntries(request.headers), bodyText: "" });
      if (!authorized) return json(401, { error: "Unauthorized" });
      const file = pending.get(match[1]!);
      if (file?.content === undefined) return json(400, { error: "nothing was uploaded" });
      emulator.files.set(match[1]!, { id: match[1]!, purpose: "batch-api", filename: file.name, content: file.content, createdAt: 1_760_000_000 });
      return json(200, { id: match[1]!, object: "file", created_at: 1_760_000_000, filename: file.name, bytes: file.content.length, purpose: "batch-api", Processed: true, FileType: "jsonl" });
    }
    return inner(request);
  };
  Object.defineProperty(emulator, "fetch", { value: handler });
  return emulator;
}

export function togetherEmulator(options: TogetherEmulatorOptions = {}): OpenAIEmulator {
  const emulator = new OpenAIEmulator({
    ...options,
    batchId: uuidOf,
    dialect: {
      uploadPath: "/files/upload",
      checkUpload: (form) => {
        if (form.get("purpose") !== "batch-api") return "'purpose' must be 'batch-api'.";
        if (typeof form.get("file_name") !== "string" || form.get("file_name") === "") return "'file_name' is required.";
        const type = form.get("file_type");
        if (type !== null && !["csv", "jsonl", "parquet"].includes(String(type))) return "'file_type' must be csv, jsonl or parquet.";
        return undefined;
      },
      createFields: ["endpoint", "input_file_id", "completion_window", "priority", "model_id"],
      created: (job) => ({ status: 201, body: { job, warning: "" } }),
      listBody: (batches) => batches,
      errorBody: (message) => ({ error: message }),
      present: presentAsTogether,
      ...options.dialect,
    },
  });
  return options.signedUpload ? withSignedUpload(emulator, options.apiKey) : emulator;
}
