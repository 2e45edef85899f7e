import { describe, expect, it } from 'vitest';
import type { BanRecord } from '../core/bans.js';
import { Defender, type BanStore, type DefenderOptions } from './defender.js';

/** A defender on a clock the test moves by hand. */
function setup(threshold = 3, windowMs = 60_000, banMs = 120_000, noauthThreshold = 5, more: Partial<DefenderOptions> = {}) {
  let now = 1_000_000;
  const bans: { address: string; failures: number; until: number; cause?: string }[] = [];
  const given: BanRecord[] = [];
  const defender = new Defender({
    threshold,
    noauthThreshold,
    windowMs,
    banMs,
    now: () => new Date(now),
    onBan: (ban) => {
      given.push(ban);
      if (ban.scope === 'address') bans.push({ address: ban.subject, failures: ban.failures, until: ban.until.getTime(), ...(ban.cause === 'login' ? {} : { cause: ban.cause }) });
    },
    ...more,
  });
  return { defender, bans, given, advance: (ms: number) => (now += ms), at: () => now };
}

/** A ban store in memory, as the SQLite one behaves. */
class MemoryBans implements BanStore {
  readonly rows = new Map<string, BanRecord>();
  async active(now: Date): Promise<BanRecord[]> {
    return [...this.rows.values()].filter((ban) => ban.until > now);
  }
  async save(ban: BanRecord): Promise<void> {
    this.rows.set(`${ban.scope} ${ban.subject}`, ban);
  }
}

describe('Defender', () => {
  it('bans an address at the threshold, for the ban time, and tells once', () => {
    const { defender, bans, advance, at } = setup();
    defender.recordFailure('10.0.0.1');
    defender.recordFailure('10.0.0.1');
    expect(defender.isBanned('10.0.0.1')).toBe(false);
    defender.recordFailure('10.0.0.1');
    expect(defender.isBanned('10.0.0.1')).toBe(true);
    expect(bans).toEqual([{ address: '10.0.0.1', failures: 3, until: at() + 120_000 }]);
    expect(defender.bannedCount).toBe(1);
    defender.recordFailure('10.0.0.1');
    expect(bans).toHaveLength(1);

    advance(119_999);
    expect(defender.isBanned('10.0.0.1')).toBe(true);
    advance(1);
    expect(defender.isBanned('10.0.0.1')).toBe(false);
    expect(defender.bannedCount).toBe(0);
  });

  it('counts only failures within the window', () => {
    const { defender, advance } = setup();
    defender.recordFailure('10.0.0.2');
    defender.recordFailure('10.0.0.2');
    advance(60_001);
    defender.recordFailure('10.0.0.2');
    expect(defender.isBanned('10.0.0.2')).toBe(false);
    defender.recordFailure('10.0.0.2');
    expect(defender.isBanned('10.0.0.2')).toBe(false);
    defender.recordFailure('10.0.0.2');
    expect(defender.isBanned('10.0.0.2')).toBe(true);
  });

  it('keeps addresses apart', () => {
    const { defender } = setup(2);
    defender.recordFailure('10.0.0.3');
    defender.recordFailure('10.0.0.4');
    expect(defender.isBanned('10.0.0.3')).toBe(false);
    expect(defender.isBanned('10.0.0.4')).toBe(false);
  });

  it('starts afresh after a ban expires', () => {
    const { defender, advance } = setup(2);
    defender.recordFailure('10.0.0.5');
    defender.recordFailure('10.0.0.5');
    advance(120_000);
    expect(defender.isBanned('10.0.0.5')).toBe(false);
    defender.recordFailure('10.0.0.5');
    expect(defender.isBanned('10.0.0.5')).toBe(false);
  });

  it('counts connections closed without a login attempt apart, against their own threshold', () => {
    const { defender, bans, at } = setup(3, 60_000, 120_000, 5);
    defender.recordFailure('10.0.0.7');
    defender.recordFailure('10.0.0.7');
    for (let i = 0; i < 4; i += 1) defender.recordNoAuth('10.0.0.7');
    expect(defender.isBanned('10.0.0.7')).toBe(false);
    defender.recordNoAuth('10.0.0.7');
    expect(defender.isBanned('10.0.0.7')).toBe(true);
    expect(bans).toEqual([{ address: '10.0.0.7', failures: 5, until: at() + 120_000, cause: 'noauth' }]);
    expect([defender.bansTotal, defender.noauthBansTotal, defender.failuresTotal]).toEqual([0, 1, 2]);
  });

  it('does not count connections without a login attempt when their threshold is 0', () => {
    const { defender } = setup(3, 60_000, 120_000, 0);
    for (let i = 0; i < 100; i += 1) defender.recordNoAuth('10.0.0.8');
    expect(defender.isBanned('10.0.0.8')).toBe(false);
  });

  it('bans a network prefix whose addresses together fail too often', () => {
    const { defender, given } = setup(100, 60_000, 120_000, 0, { prefixThreshold: 4, prefixLengths: { ipv4: 24, ipv6: 64 } });
    for (const last of [1, 2, 3]) defender.recordFailure(`10.0.1.${last}`);
    defender.recordFailure('10.0.2.1');
    expect(defender.banOf('10.0.1.200')).toBeUndefined();
    defender.recordFailure('10.0.1.4');
    expect(defender.banOf('10.0.1.200')).toEqual({ scope: 'prefix', cause: 'login' });
    expect(defender.banOf('10.0.2.1')).toBeUndefined();
    expect(given.map((ban) => [ban.scope, ban.subject])).toEqual([['prefix', '10.0.1.0/24']]);
    expect(defender.bannedPrefixes).toBe(1);
  });

  it("locks an account's password logins with a growing delay, never for good", () => {
    const { defender, advance, at } = setup(100, 3600_000, 120_000, 0, { accountThreshold: 2, accountLockMs: 60_000, accountLockMaxMs: 180_000 });
    const lockFor = () => {
      defender.recordFailure('10.0.0.1', 'acme');
      defender.recordFailure('10.0.0.2', 'acme');
      return (defender.accountLock('acme', '10.0.0.3')?.getTime() ?? at()) - at();
    };
    expect(lockFor()).toBe(60_000);
    advance(60_000);
    expect(defender.accountLock('acme', '10.0.0.3')).toBeUndefined();
    expect(lockFor()).toBe(120_000);
    advance(120_000);
    expect(lockFor()).toBe(180_000);
    advance(180_000);
    expect(lockFor()).toBe(180_000);
    // An address the account logged in from is not locked out; a quiet spell starts the delays over.
    defender.recordLogin('acme', '10.0.0.9');
    expect(defender.accountLock('acme', '10.0.0.9')).toBeUndefined();
    expect(defender.accountLock('acme', '10.0.0.3')).toBeDefined();
    advance(180_000 + 180_000);
    expect(lockFor()).toBe(60_000);
  });

  it('keeps bans in its store and reads them back, as after a restart', async () => {
    const store = new MemoryBans();
    const first = setup(2, 60_000, 120_000, 0, { store });
    first.defender.recordFailure('10.0.0.1');
    first.defender.recordFailure('10.0.0.1');
    await new Promise((resolve) => setImmediate(resolve));
    expect([...store.rows.keys()]).toEqual(['address 10.0.0.1']);
    const restarted = setup(2, 60_000, 120_000, 0, { store });
    expect(restarted.defender.isBanned('10.0.0.1')).toBe(false);
    await restarted.defender.load();
    expect(restarted.defender.isBanned('10.0.0.1')).toBe(true);
  });

  it('stays bounded in memory under failures from very many addresses', () => {
    const { defender } = setup(1000);
    for (let i = 0; i < 12_000; i += 1) defender.recordFailure(`10.${i >> 16}.${(i >> 8) & 255}.${i & 255}`);
    const tracked = (defender as unknown as { counts: { address: Map<string, number[]> } }).counts.address.size;
    expect(tracked).toBeLessThanOrEqual(10_000);
  });
});
