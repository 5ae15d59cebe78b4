/** Progress for `wait`: a redrawn bar on a terminal, one plain line per change otherwise. */
import type { BatchStatusResponse } from "../batch-status.js";
import { formatDollars } from "../estimate.js";

const BAR_WIDTH = 30;

export function formatElapsed(milliseconds: number): string {
  const seconds = Math.floor(milliseconds / 1000);
  const minutes = Math.floor(seconds / 60);
  const hours = Math.floor(minutes / 60);
  const pad = (value: number) => String(value).padStart(2, "0");
  return hours > 0 ? `${hours}:${pad(minutes % 60)}:${pad(seconds % 60)}` : `${pad(minutes)}:${pad(seconds % 60)}`;
}

export function describeCounts(status: BatchStatusResponse): string {
  const counts = status.requestCounts;
  const parts = [`${counts.succeeded} succeeded`, `${counts.errored} errored`];
  if (counts.cancelled > 0) parts.push(`${counts.cancelled} cancelled`);
  if (counts.expired > 0) parts.push(`${counts.expired} expired`);
  parts.push(`${counts.processing} processing`);
  return parts.join(", ");
}

export class ProgressReporter {
  private lastLine = "";
  private readonly started = Date.now();

  constructor(
    private readonly stream: NodeJS.WriteStream,
    private readonly terminal: boolean,
    /** The batch's worst-case cost, when known: the progress shows the most spent so far. */
    private readonly worstCaseUsd?: number,
  ) {}

  /**
   * Usage arrives with the results only, so during a batch the spend shown is the worst case of the
   * requests done, pro rata (the exact cost is in the job summary once results are read).
   */
  private spend(done: number, total: number): string {
    if (this.worstCaseUsd === undefined || total === 0) return "";
    // Six decimals (two significant digits below a millionth): `toFixed(4)` showed $0.0000 for a
    // small batch (new-user trial).
    return `, worst-case spend ${formatDollars((this.worstCaseUsd * done) / total)} of ${formatDollars(this.worstCaseUsd)}`;
  }

  update(status: BatchStatusResponse): void {
    const counts = status.requestCounts;
    const done = counts.succeeded + counts.errored + counts.cancelled + counts.expired;
    const elapsed = formatElapsed(Date.now() - this.started);
    if (this.terminal) {
      const fraction = counts.total > 0 ? Math.min(done / counts.total, 1) : 0;
      const filled = Math.round(fraction * BAR_WIDTH);
      const bar = "█".repeat(filled) + "░".repeat(BAR_WIDTH - filled);
      const line = `${status.rawStatus.padEnd(12)} [${bar}] ${done}/${counts.total} ${describeCounts(status)}${this.spend(done, counts.total)} ${elapsed}`;
      this.stream.write(`\r\x1b[2K${line}`);
      this.lastLine = line;
      return;
    }
    const line = `${status.status} (${status.rawStatus}): ${done}/${counts.total} done; ${describeCounts(status)}${this.spend(done, counts.total)}`;
    if (line !== this.lastLine) this.stream.write(`[${elapsed}] ${line}\n`);
    this.lastLine = line;
  }

  finish(): void {
    if (this.terminal && this.lastLine !== "") this.stream.write("\n");
  }
}
