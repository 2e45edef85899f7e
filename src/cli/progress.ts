/**
 * A one-line progress bar for long operator commands, drawn on stderr only when it is a
 * terminal and the work is big enough to be worth watching; scripts and logs get none.
 */

/** Below this, work is over before a bar would be read. */
export const PROGRESS_MIN_BYTES = 4 * 1024 * 1024;

type Terminal = NodeJS.WritableStream & { isTTY?: boolean; columns?: number };

const REDRAW_MS = 100;
const BAR_WIDTH = 30;

export class ProgressBar {
  private lastDraw = 0;
  private label: string;
  private drawn = false;

  constructor(
    private readonly out: Terminal,
    label: string,
    private readonly total: number,
  ) {
    this.label = label;
  }

  /** A new phase of the same work (`copying`, `processing`). */
  phase(label: string): void {
    this.label = label;
    this.lastDraw = 0;
  }

  /** `done` bytes of the total; undefined when the amount is not known (a spinner-less note). */
  update(done: number | undefined): void {
    const now = Date.now();
    if (now - this.lastDraw < REDRAW_MS) return;
    this.lastDraw = now;
    this.out.write(`\r\x1b[2K${this.line(done)}`);
    this.drawn = true;
  }

  /** Clears the line so that the result prints cleanly. */
  finish(): void {
    if (this.drawn) this.out.write('\r\x1b[2K');
    this.drawn = false;
  }

  private line(done: number | undefined): string {
    if (done === undefined) return `${this.label}…`;
    const share = this.total > 0 ? Math.min(1, done / this.total) : 1;
    const filled = Math.round(share * BAR_WIDTH);
    const bar = `${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}`;
    return `${this.label.padEnd(11)} [${bar}] ${String(Math.floor(share * 100)).padStart(3)}%  ${megabytes(done)}/${megabytes(this.total)} MB`;
  }
}

/** A bar when `out` is a terminal and `total` is big enough; otherwise undefined. */
export function progressBar(out: NodeJS.WritableStream, label: string, total: number): ProgressBar | undefined {
  if (!(out as Terminal).isTTY || total < PROGRESS_MIN_BYTES) return undefined;
  return new ProgressBar(out, label, total);
}

function megabytes(bytes: number): string {
  return (bytes / 1024 / 1024).toFixed(1);
}
