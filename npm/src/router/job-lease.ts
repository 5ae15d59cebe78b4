/**
 * A job's lease: which invocation may work on the job, until when. It is a record of the job's
 * `JobStateStore` (`jobs/<jobId>.lease`: holder and expiry in Unix ms), taken and renewed only by
 * conditional writes, so two invocations never both hold it. A holder renews it before every
 * create call and gives that call a time limit that ends before the lease does: another invocation
 * can take the job over only once no create call of the previous holder can still be on its way, and
 * then finds such a batch by its tag (`job-submission.ts`) instead of creating it again.
 */
import { JobConflictError } from "../errors.js";
import type { JobStateStore } from "../job-state.js";

interface LeaseRecord {
  holder: string;
  /** Unix ms. */
  expiresAt: number;
}

export function newHolderId(): string {
  return `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 12)}`;
}

export class JobLease {
  private version: string | undefined;
  private held = false;
  /** Unix ms when this holder's lease ends (0 when not held). */
  expiresAt = 0;
  /** When another invocation holds the lease: until when (Unix ms). */
  heldElsewhereUntil = 0;
  /**
   * Set when a create call was abandoned (the round was stopped while it was on its way): it may
   * still land, so the lease is not given back but left to expire, and the next holder finds the
   * batch by the job's tag instead of creating it again.
   */
  keepUntilExpiry = false;
  /** Called after each renewal (the round's time limit follows the lease). */
  onRenew?: (expiresAt: number) => void;

  constructor(
    private readonly state: JobStateStore,
    private readonly jobId: string,
    readonly holder: string,
    /** Milliseconds a lease lasts from its last renewal. */
    readonly durationMs: number,
  ) {}

  private key(): string {
    return `jobs/${this.jobId}.lease`;
  }

  /** Takes the lease when it is free, expired or already this holder's. Returns whether it is held. */
  async acquire(): Promise<boolean> {
    const current = await this.state.get(this.key());
    if (current !== undefined) {
      const lease = JSON.parse(current.value) as LeaseRecord;
      if (lease.holder !== this.holder && lease.expiresAt > Date.now()) {
        this.heldElsewhereUntil = lease.expiresAt;
        return false;
      }
    }
    this.version = current?.version;
    this.held = true;
    if (await this.write(Date.now() + this.durationMs)) return true;
    this.held = false;
    // Someone took it between the read and the write.
    this.heldElsewhereUntil = Date.now() + this.durationMs;
    return false;
  }

  /** Extends the lease; throws `JobConflictError` when it was lost (taken over after it expired). */
  async renew(): Promise<void> {
    if (!this.held || !(await this.write(Date.now() + this.durationMs))) {
      this.held = false;
      throw new JobConflictError(this.jobId, "its lease expired and another invocation took the job over; this one stopped");
    }
  }

  /** Renews when less than half the lease is left. */
  async keep(): Promise<void> {
    if (this.expiresAt - Date.now() < this.durationMs / 2) await this.renew();
  }

  /** Milliseconds left of the lease, less a safety margin for clock drift between invocations. */
  usableMs(): number {
    return this.expiresAt - Date.now() - Math.min(5_000, this.durationMs / 4);
  }

  /** Gives the lease up so the next invocation need not wait for it to expire. Never throws. */
  async release(): Promise<void> {
    if (!this.held) return;
    this.held = false;
    if (this.keepUntilExpiry) return;
    try {
      await this.write(0, true);
    } catch {
      // An unreleased lease only makes the next invocation wait for its expiry.
    }
  }

  private queue: Promise<unknown> = Promise.resolve();

  /** Writes of this holder go one at a time (a heartbeat and a renewal before a create may meet). */
  private write(expiresAt: number, releasing = false): Promise<boolean> {
    const next = this.queue.then(() => this.writeNow(expiresAt, releasing));
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async writeNow(expiresAt: number, releasing: boolean): Promise<boolean> {
    const record: LeaseRecord = { holder: this.holder, expiresAt };
    const version = await this.state.put(this.key(), JSON.stringify(record), this.version);
    if (version === undefined) return false;
    this.version = version;
    if (!releasing) {
      this.expiresAt = expiresAt;
      this.onRenew?.(expiresAt);
    }
    return true;
  }
}
