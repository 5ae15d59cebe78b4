/** A batch's unified status, with the provider's own value kept as `rawStatus`. */
import type { BatchError, BatchStatus, BatchStatusData, RequestCounts } from "./types.js";

/** The statuses a batch ends in (the core's `BatchStatus::is_terminal`). */
export const TERMINAL: ReadonlySet<BatchStatus> = new Set(["completed", "failed", "cancelled", "expired"]);

export class BatchStatusResponse implements BatchStatusData {
  readonly batchId: string;
  readonly provider: string;
  readonly status: BatchStatus;
  readonly rawStatus: string;
  readonly requestCounts: RequestCounts;
  readonly createdAt?: string;
  readonly completedAt?: string;
  readonly expiresAt?: string;
  readonly model?: string;
  readonly errors?: BatchError[];
  readonly metadata?: Record<string, unknown>;
  /** The provider's batch object, untouched. */
  readonly raw: unknown;

  constructor(data: BatchStatusData) {
    this.batchId = data.batchId;
    this.provider = data.provider;
    this.status = data.status;
    this.rawStatus = data.rawStatus;
    this.requestCounts = data.requestCounts;
    if (data.createdAt !== undefined) this.createdAt = data.createdAt;
    if (data.completedAt !== undefined) this.completedAt = data.completedAt;
    if (data.expiresAt !== undefined) this.expiresAt = data.expiresAt;
    if (data.model !== undefined) this.model = data.model;
    if (data.errors !== undefined) this.errors = data.errors;
    if (data.metadata !== undefined) this.metadata = data.metadata;
    this.raw = data.raw;
  }

  /** True once the batch has ended (completed, failed, cancelled or expired) and will not change. */
  isComplete(): boolean {
    return TERMINAL.has(this.status);
  }
}
