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

export function togetherEmulator(options: OpenAIEmulatorOptions = {}): OpenAIEmulator {
  return new OpenAIEmulator({
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
}
