/**
 * Remembers failed logins per address: an address that fails `threshold` times within `window`
 * is refused for `ban`. Kept in memory (a restart forgives), bounded in size.
 */
export interface DefenderOptions {
  threshold: number;
  windowMs: number;
  banMs: number;
  now: () => Date;
  /** Called once when an address gets banned. */
  onBan: (address: string, failures: number, untilMs: number) => void;
}

const MAX_TRACKED = 10_000;

export class Defender {
  private readonly failures = new Map<string, number[]>();
  private readonly bans = new Map<string, number>();
  private failuresSeen = 0;
  private bansGiven = 0;

  constructor(private readonly options: DefenderOptions) {}

  isBanned(address: string): boolean {
    const until = this.bans.get(address);
    if (until === undefined) return false;
    if (until > this.options.now().getTime()) return true;
    this.bans.delete(address);
    return false;
  }

  recordFailure(address: string): void {
    this.failuresSeen += 1;
    const now = this.options.now().getTime();
    const recent = (this.failures.get(address) ?? []).filter((at) => at > now - this.options.windowMs);
    recent.push(now);
    this.failures.delete(address); // re-insert: the map stays ordered by last failure
    this.failures.set(address, recent);
    if (recent.length >= this.options.threshold && !this.isBanned(address)) {
      const until = now + this.options.banMs;
      this.bans.set(address, until);
      this.failures.delete(address);
      this.bansGiven += 1;
      this.options.onBan(address, recent.length, until);
    }
    this.trim();
  }

  /** Failed logins since start (for metrics). */
  get failuresTotal(): number {
    return this.failuresSeen;
  }

  /** Bans given since start (for metrics). */
  get bansTotal(): number {
    return this.bansGiven;
  }

  /** Addresses banned right now. */
  get bannedCount(): number {
    const now = this.options.now().getTime();
    let count = 0;
    for (const until of this.bans.values()) if (until > now) count += 1;
    return count;
  }

  private trim(): void {
    while (this.failures.size > MAX_TRACKED) {
      const oldest = this.failures.keys().next().value;
      if (oldest === undefined) break;
      this.failures.delete(oldest);
    }
  }
}
