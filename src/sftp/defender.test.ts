import { describe, expect, it } from 'vitest';
import { Defender } from './defender.js';

/** A defender on a clock the test moves by hand. */
function setup(threshold = 3, windowMs = 60_000, banMs = 120_000, noauthThreshold = 5) {
  let now = 1_000_000;
  const bans: { address: string; failures: number; until: number; cause?: string }[] = [];
  const defender = new Defender({
    threshold,
    noauthThreshold,
    windowMs,
    banMs,
    now: () => new Date(now),
    onBan: (address, failures, until, cause) => bans.push({ address, failures, until, ...(cause === 'login' ? {} : { cause }) }),
  });
  return { defender, bans, advance: (ms: number) => (now += ms), at: () => now };
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

  it('stays bounded in memory under failures from very many addresses', () => {
    const { defender } = setup(1000);
    for (let i = 0; i < 12_000; i += 1) defender.recordFailure(`10.${i >> 16}.${(i >> 8) & 255}.${i & 255}`);
    const tracked = (defender as unknown as { failures: Map<string, number[]> }).failures.size;
    expect(tracked).toBeLessThanOrEqual(10_000);
  });
});
