/**
 * Counts failures and bans, protocol-neutral:
 * - per address: `threshold` failed logins, or `noauthThreshold` connections closed without any
 *   login attempt (0: not counted), within `window` ban it for `ban`;
 * - per network prefix (/24, /64): `prefixThreshold` failed logins from all its addresses ban
 *   the whole prefix, so that neighbouring addresses do not each get an allowance;
 * - per account: `accountThreshold` failed logins from anywhere lock the account's password
 *   logins for `accountLock`, doubling at each lock-out that follows the last one within
 *   `accountLockMax` of its end, up to `accountLockMax`. Keys
 *   cannot be guessed and are never locked, an address the account logged in from since start
 *   is not locked out either, and every lock-out ends: an attacker can slow a partner's password
 *   down, never shut the partner out for good.
 * Decisions are taken on what is in memory; bans are also written to a `BanStore` (shared by
 * every node later) and read back at start, so a restart forgives nothing.
 */
import type { BanCause, BanRecord, BanScope } from '../core/bans.js';
import { networkPrefix, type PrefixLengths } from '../core/network-prefix.js';

export type { BanCause } from '../core/bans.js';

/** Where bans outlive the process. */
export interface BanStore {
  /** Bans whose `until` is after `now`. */
  active(now: Date): Promise<BanRecord[]>;
  /** Keeps `ban`, replacing an earlier one of the same scope and subject. */
  save(ban: BanRecord): Promise<void>;
}

export interface DefenderOptions {
  threshold: number;
  noauthThreshold: number;
  /** 0: failures are not counted per prefix. */
  prefixThreshold?: number;
  prefixLengths?: PrefixLengths;
  /** 0: accounts are never locked. */
  accountThreshold?: number;
  accountLockMs?: number;
  accountLockMaxMs?: number;
  windowMs: number;
  banMs: number;
  now: () => Date;
  store?: BanStore;
  /** Called once when a ban (or lock-out) is given. */
  onBan: (ban: BanRecord) => void;
  /** A ban could not be written; it holds in memory all the same. */
  onStoreError?: (err: unknown) => void;
}

const MAX_TRACKED = 10_000;
/** Addresses an account logged in from, remembered per account. */
const MAX_KNOWN_ADDRESSES = 32;

export class Defender {
  private readonly counts: Record<'address' | 'noauth' | 'prefix' | 'account', Map<string, number[]>> = {
    address: new Map(),
    noauth: new Map(),
    prefix: new Map(),
    account: new Map(),
  };
  private readonly bans = new Map<string, BanRecord>();
  private readonly known = new Map<string, Set<string>>();
  private readonly given: Record<'login' | 'noauth' | 'prefix' | 'account', number> = { login: 0, noauth: 0, prefix: 0, account: 0 };
  private failuresSeen = 0;

  constructor(private readonly options: DefenderOptions) {}

  /** Reads the bans still running from the store (at start, and when another process wrote). */
  async load(): Promise<void> {
    const { store, now } = this.options;
    if (!store) return;
    for (const ban of await store.active(now())) {
      const key = banKey(ban.scope, ban.subject);
      const held = this.bans.get(key);
      if (!held || held.until < ban.until) this.bans.set(key, ban);
    }
  }

  isBanned(address: string): boolean {
    return this.banOf(address) !== undefined;
  }

  /** Why `address` is refused right now (its own ban or its prefix's), or undefined. */
  banOf(address: string): { scope: 'address' | 'prefix'; cause: BanCause } | undefined {
    const own = this.running('address', address);
    if (own) return { scope: 'address', cause: own.cause };
    const prefix = this.prefixOf(address);
    const network = prefix === undefined ? undefined : this.running('prefix', prefix);
    return network ? { scope: 'prefix', cause: network.cause } : undefined;
  }

  /** Until when password logins to `account` from `address` are locked out, if they are. */
  accountLock(account: string, address: string): Date | undefined {
    if (this.known.get(account)?.has(address)) return undefined;
    return this.running('account', account)?.until;
  }

  /** A failed login (bad password or signature) from `address`, as `account`. */
  recordFailure(address: string, account?: string): void {
    this.failuresSeen += 1;
    const { threshold, prefixThreshold = 0, accountThreshold = 0 } = this.options;
    this.count('address', address, threshold, 'address', 'login');
    const prefix = this.prefixOf(address);
    if (prefix !== undefined && prefixThreshold > 0) this.count('prefix', prefix, prefixThreshold, 'prefix', 'login');
    if (account !== undefined && accountThreshold > 0) this.count('account', account, accountThreshold, 'account', 'login');
  }

  /** A connection from `address` closed without any login attempt. */
  recordNoAuth(address: string): void {
    if (this.options.noauthThreshold > 0) this.count('noauth', address, this.options.noauthThreshold, 'address', 'noauth');
  }

  /**
   * `account` logged in from `address`, which is then never locked out for it. The failures and
   * lock-outs go on counting: the partner logging in does not mean the guessing stopped.
   */
  recordLogin(account: string, address: string): void {
    const known = this.known.get(account) ?? new Set<string>();
    known.delete(address);
    known.add(address);
    if (known.size > MAX_KNOWN_ADDRESSES) known.delete(known.values().next().value as string);
    this.known.delete(account);
    this.known.set(account, known);
    trim(this.known);
  }

  /** Failed logins since start (for metrics). */
  get failuresTotal(): number {
    return this.failuresSeen;
  }

  /** Addresses banned since start for failed logins (for metrics). */
  get bansTotal(): number {
    return this.given.login;
  }

  /** Addresses banned since start for connections closed without a login attempt (for metrics). */
  get noauthBansTotal(): number {
    return this.given.noauth;
  }

  /** Prefixes banned since start (for metrics). */
  get prefixBansTotal(): number {
    return this.given.prefix;
  }

  /** Account lock-outs since start (for metrics). */
  get lockoutsTotal(): number {
    return this.given.account;
  }

  /** Addresses banned right now. */
  get bannedCount(): number {
    return this.runningOf('address');
  }

  /** Prefixes banned right now. */
  get bannedPrefixes(): number {
    return this.runningOf('prefix');
  }

  /** Accounts whose password logins are locked out right now. */
  get lockedAccounts(): number {
    return this.runningOf('account');
  }

  private count(kind: keyof Defender['counts'], subject: string, threshold: number, scope: BanScope, cause: BanCause): void {
    const events = this.counts[kind];
    const now = this.options.now().getTime();
    const recent = (events.get(subject) ?? []).filter((at) => at > now - this.options.windowMs);
    recent.push(now);
    events.delete(subject); // re-insert: the map stays ordered by last event
    events.set(subject, recent);
    trim(events);
    if (recent.length < threshold || this.running(scope, subject)) return;
    events.delete(subject);
    const strikes = scope === 'account' ? this.strikesAfter(subject, now) : 1;
    const ban: BanRecord = { scope, subject, cause, failures: recent.length, strikes, bannedAt: new Date(now), until: new Date(now + this.banLength(scope, strikes)) };
    this.bans.set(banKey(scope, subject), ban);
    this.given[scope === 'address' ? cause : scope] += 1;
    this.prune(now);
    this.options.onBan(ban);
    this.options.store?.save(ban).catch((err: unknown) => this.options.onStoreError?.(err));
  }

  /** The lock-out's place in a row: one more than the last one's, unless that ended long ago. */
  private strikesAfter(account: string, now: number): number {
    const last = this.bans.get(banKey('account', account));
    const quiet = this.options.accountLockMaxMs ?? 900_000;
    return last && now - last.until.getTime() < quiet ? last.strikes + 1 : 1;
  }

  private banLength(scope: BanScope, strikes: number): number {
    if (scope !== 'account') return this.options.banMs;
    const { accountLockMs = 60_000, accountLockMaxMs = 900_000 } = this.options;
    return Math.min(accountLockMaxMs, accountLockMs * 2 ** Math.min(strikes - 1, 30));
  }

  private running(scope: BanScope, subject: string): BanRecord | undefined {
    const ban = this.bans.get(banKey(scope, subject));
    return ban && ban.until.getTime() > this.options.now().getTime() ? ban : undefined;
  }

  private runningOf(scope: BanScope): number {
    const now = this.options.now().getTime();
    let count = 0;
    for (const ban of this.bans.values()) if (ban.scope === scope && ban.until.getTime() > now) count += 1;
    return count;
  }

  private prefixOf(address: string): string | undefined {
    return networkPrefix(address, this.options.prefixLengths ?? { ipv4: 24, ipv6: 64 });
  }

  /** Forgets bans that have ended, once there are many (an attacker with many addresses). */
  private prune(now: number): void {
    if (this.bans.size <= MAX_TRACKED) return;
    for (const [key, ban] of this.bans) if (ban.until.getTime() <= now) this.bans.delete(key);
  }
}

function banKey(scope: BanScope, subject: string): string {
  return `${scope} ${subject}`;
}

function trim<V>(events: Map<string, V>): void {
  while (events.size > MAX_TRACKED) {
    const oldest = events.keys().next().value;
    if (oldest === undefined) break;
    events.delete(oldest);
  }
}
