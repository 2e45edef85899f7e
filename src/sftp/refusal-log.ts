/**
 * Refused connections, logged once per address and reason per interval with a count. A flood
 * of reconnects would otherwise write a line per attempt (hundreds a second), which fills the
 * journal and hides everything else. The first refusal of a quiet address is logged at once, so
 * an operator looking for why a partner cannot connect sees it without waiting.
 */
import type { Log } from '../log.js';

/** Beyond this many distinct address and reason pairs in one interval, the rest are summed. */
const MAX_TRACKED = 10_000;

export class RefusalLog {
  /** `address reason` → refusals not yet logged (0: logged, still within its interval). */
  private readonly pending = new Map<string, { address: string; reason: string; count: number }>();
  private overflow = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly log: Log,
    private readonly intervalMs: number,
  ) {}

  refused(address: string, reason: string): void {
    const key = `${address} ${reason}`;
    const seen = this.pending.get(key);
    if (seen) {
      seen.count += 1;
      return;
    }
    if (this.pending.size >= MAX_TRACKED) {
      this.overflow += 1;
      return;
    }
    this.pending.set(key, { address, reason, count: 0 });
    this.log.warn('sftp.connection_refused', { address, reason, count: 1 });
    this.timer ??= setInterval(() => this.flush(), this.intervalMs).unref();
  }

  /** Logs what was counted since the last line of each address; stops the timer when all is quiet. */
  flush(): void {
    const seconds = Math.round(this.intervalMs / 1000);
    for (const [key, entry] of this.pending) {
      if (entry.count === 0) {
        this.pending.delete(key);
        continue;
      }
      this.log.warn('sftp.connection_refused', { address: entry.address, reason: entry.reason, count: entry.count, seconds });
      entry.count = 0;
    }
    if (this.overflow > 0) {
      this.log.warn('sftp.connection_refused', { address: 'other addresses', reason: 'various', count: this.overflow, seconds });
      this.overflow = 0;
    }
    if (this.pending.size === 0) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }

  /** Logs what is pending and stops (the server is stopping). */
  stop(): void {
    this.flush();
    this.pending.clear();
    clearInterval(this.timer);
    this.timer = undefined;
  }
}
