/**
 * Remembers failed logins per address: an address that fails `threshold` times within `window`
 * is refused for `ban`. Connections closed without any login attempt are counted apart, against
 * `noauthThreshold` (0: not counted): idle sockets cost an attacker nothing, so one address must
 * not cycle them forever, but a partner's monitoring may open a few. Kept in memory (a restart
 * forgives), bounded in size.
 */
export interface DefenderOptions {
  threshold: number;
  noauthThreshold: number;
  windowMs: number;
  banMs: number;
  now: () => Date;
  /** Called once when an address gets banned. */
  onBan: (address: string, failures: number, untilMs: number, cause: BanCause) => void;
}

/** Why an address was banned: failed logins, or connections closed without a login attempt. */
export type BanCause = 'login' | 'noauth';

const MAX_TRACKED = 10_000;

export class Defender {
  private readonly failures = new Map<string, number[]>();
  private readonly noauth = new Map<string, number[]>();
  private readonly bans = new Map<string, { until: number; cause: BanCause }>();
  private failuresSeen = 0;
  private bansGiven = 0;
  private noauthBansGiven = 0;

  constructor(private readonly options: DefenderOptions) {}

  isBanned(address: string): boolean {
    return this.banOf(address) !== undefined;
  }

  /** Why `address` is banned right now, or undefined. */
  banOf(address: string): BanCause | undefined {
    const ban = this.bans.get(address);
    if (ban === undefined) return undefined;
    if (ban.until > this.options.now().getTime()) return ban.cause;
    this.bans.delete(address);
    return undefined;
  }

  recordFailure(address: string): void {
    this.failuresSeen += 1;
    this.count(this.failures, address, this.options.threshold, 'login');
  }

  /** A connection from `address` closed without any login attempt. */
  recordNoAuth(address: string): void {
    if (this.options.noauthThreshold > 0) this.count(this.noauth, address, this.options.noauthThreshold, 'noauth');
  }

  private count(events: Map<string, number[]>, address: string, threshold: number, cause: BanCause): void {
    const now = this.options.now().getTime();
    const recent = (events.get(address) ?? []).filter((at) => at > now - this.options.windowMs);
    recent.push(now);
    events.delete(address); // re-insert: the map stays ordered by last event
    events.set(address, recent);
    if (recent.length >= threshold && !this.isBanned(address)) {
      const until = now + this.options.banMs;
      this.bans.set(address, { until, cause });
      events.delete(address);
      if (cause === 'login') this.bansGiven += 1;
      else this.noauthBansGiven += 1;
      this.options.onBan(address, recent.length, until, cause);
    }
    trim(events);
  }

  /** Failed logins since start (for metrics). */
  get failuresTotal(): number {
    return this.failuresSeen;
  }

  /** Bans given since start for failed logins (for metrics). */
  get bansTotal(): number {
    return this.bansGiven;
  }

  /** Bans given since start for connections closed without a login attempt (for metrics). */
  get noauthBansTotal(): number {
    return this.noauthBansGiven;
  }

  /** Addresses banned right now. */
  get bannedCount(): number {
    const now = this.options.now().getTime();
    let count = 0;
    for (const ban of this.bans.values()) if (ban.until > now) count += 1;
    return count;
  }
}

function trim(events: Map<string, number[]>): void {
  while (events.size > MAX_TRACKED) {
    const oldest = events.keys().next().value;
    if (oldest === undefined) break;
    events.delete(oldest);
  }
}
