/**
 * Bans that outlive a restart, and failures counted where spreading them over addresses would
 * otherwise multiply an attacker's guesses: per account (a lock-out of its passwords that grows
 * but always ends, and never touches its keys) and per network prefix. Guesses come from ssh2's
 * client on other loopback addresses; the partner's own logins are OpenSSH's sftp.
 */
import ssh2 from 'ssh2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sftpBatch } from '../support/clients.js';
import { FakeClock } from '../support/clock.js';
import { TestDaemon, waitFor, type LogLine, type TestPartner } from '../support/daemon.js';
import { sample, scrape } from '../support/prometheus.js';

/** One wrong password for `username` from `address`; resolves once the connection is over. */
function guess(port: number, address: string, username: string): Promise<void> {
  return new Promise((resolve) => {
    const client = new ssh2.Client();
    client.on('error', () => resolve());
    client.on('close', () => resolve());
    client.on('ready', () => client.end());
    client.connect({ host: '127.0.0.1', port, localAddress: address, username, password: 'not-the-password', readyTimeout: 10_000 });
  });
}

/** OpenSSH's sftp from `address`, with the partner's key or password; its exit code. */
async function sftpFrom(daemon: TestDaemon, partner: TestPartner, address: string, auth: 'key' | 'password'): Promise<number | null> {
  const result = await sftpBatch(daemon.port, partner, ['ls /outbox'], { auth, args: ['-o', `BindAddress=${address}`] });
  return result.code;
}

describe('bans kept in the store', () => {
  const clock = new FakeClock();
  let daemon: TestDaemon;
  let acme: TestPartner;

  beforeAll(async () => {
    daemon = await TestDaemon.start(
      { sftp: { ban_threshold: 3, account_lockout_threshold: 0, prefix_ban_threshold: 0, ban_minutes: 30 } },
      { clock },
    );
    acme = await daemon.addPartner({ id: 'acme' });
  });
  afterAll(() => daemon.destroy());

  it('still refuses a banned address after a restart, until the ban ends', async () => {
    for (let i = 0; i < 3; i += 1) await guess(daemon.port, '127.0.0.2', 'acme');
    await waitFor(() => daemon.events('sftp.address_banned').find((line) => line.address === '127.0.0.2'));
    await daemon.restart();
    expect(await sftpFrom(daemon, acme, '127.0.0.2', 'key')).not.toBe(0);
    expect(daemon.events('sftp.connection_refused').at(-1)).toMatchObject({ address: '127.0.0.2', reason: 'address banned after repeated login failures' });
    const metrics = await scrape(`http://127.0.0.1:${daemon.httpPort}/metrics`);
    expect(sample(metrics, 'posdrop_banned_addresses')).toBe(1);
    expect(await sftpFrom(daemon, acme, '127.0.0.3', 'key')).toBe(0);
    clock.advance(31 * 60_000);
    expect(await sftpFrom(daemon, acme, '127.0.0.2', 'key')).toBe(0);
  });
});

describe('failures per account', () => {
  const clock = new FakeClock();
  let daemon: TestDaemon;
  let acme: TestPartner;

  beforeAll(async () => {
    daemon = await TestDaemon.start(
      { sftp: { ban_threshold: 100, prefix_ban_threshold: 0, account_lockout_threshold: 4, account_lockout_seconds: 60, account_lockout_max_seconds: 600 } },
      { clock },
    );
    acme = await daemon.addPartner({ id: 'acme' });
  });
  afterAll(() => daemon.destroy());

  const lockouts = (): LogLine[] => daemon.events('sftp.account_locked').filter((line) => line.username === 'acme');
  const lockSeconds = (line: LogLine | undefined) => (Date.parse(line?.until as string) - clock.now().getTime()) / 1000;

  it("locks the account's passwords however the guesses are spread, never its key", async () => {
    // Alternating addresses: each one stays far below its own ban threshold.
    for (let i = 0; i < 4; i += 1) await guess(daemon.port, i % 2 ? '127.0.0.3' : '127.0.0.2', 'acme');
    const lock = await waitFor(() => lockouts()[0]);
    expect(lock).toMatchObject({ failures: 4, strikes: 1 });
    expect(lockSeconds(lock)).toBeGreaterThan(55);
    expect(lockSeconds(lock)).toBeLessThanOrEqual(60);
    // The right password is refused while locked, from an address never seen; the key logs in.
    expect(await sftpFrom(daemon, acme, '127.0.0.4', 'password')).not.toBe(0);
    expect(await sftpFrom(daemon, acme, '127.0.0.4', 'key')).toBe(0);
    const metrics = await scrape(`http://127.0.0.1:${daemon.httpPort}/metrics`);
    expect([sample(metrics, 'posdrop_account_lockouts_total'), sample(metrics, 'posdrop_locked_accounts')]).toEqual([1, 1]);
  });

  it('doubles the lock-out when the guessing goes on, and lets the partner in once it ends', async () => {
    clock.advance(61_000);
    for (let i = 0; i < 4; i += 1) await guess(daemon.port, '127.0.0.5', 'acme');
    const second = await waitFor(() => lockouts()[1]);
    expect(second).toMatchObject({ strikes: 2 });
    expect(lockSeconds(second)).toBeGreaterThan(115);
    expect(lockSeconds(second)).toBeLessThanOrEqual(120);
    // The key login above came from 127.0.0.4: an address the account logged in from is not locked out.
    expect(await sftpFrom(daemon, acme, '127.0.0.4', 'password')).toBe(0);
    expect(await sftpFrom(daemon, acme, '127.0.0.6', 'password')).not.toBe(0);
    clock.advance(121_000);
    expect(await sftpFrom(daemon, acme, '127.0.0.6', 'password')).toBe(0);
  });

  it('keeps a lock-out across a restart', async () => {
    for (let i = 0; i < 4; i += 1) await guess(daemon.port, '127.0.0.7', 'acme');
    await waitFor(() => lockouts()[2]);
    await daemon.restart();
    expect(await sftpFrom(daemon, acme, '127.0.0.8', 'password')).not.toBe(0);
    expect(await sftpFrom(daemon, acme, '127.0.0.8', 'key')).toBe(0);
  });
});

describe('failures per network prefix', () => {
  let daemon: TestDaemon;
  let acme: TestPartner;

  beforeAll(async () => {
    daemon = await TestDaemon.start({ sftp: { ban_threshold: 100, account_lockout_threshold: 0, prefix_ban_threshold: 6, prefix_length_ipv4: 24 } });
    acme = await daemon.addPartner({ id: 'acme' });
  });
  afterAll(() => daemon.destroy());

  it('bans a /24 whose addresses together guess too often, and only that /24', async () => {
    for (let i = 1; i <= 6; i += 1) await guess(daemon.port, `127.0.1.${i}`, 'acme');
    const ban = await waitFor(() => daemon.events('sftp.prefix_banned')[0]);
    expect(ban).toMatchObject({ prefix: '127.0.1.0/24', failures: 6 });
    expect(await sftpFrom(daemon, acme, '127.0.1.200', 'key')).not.toBe(0);
    expect(daemon.events('sftp.connection_refused').at(-1)).toMatchObject({ address: '127.0.1.200', reason: 'network banned after repeated login failures' });
    expect(await sftpFrom(daemon, acme, '127.0.2.1', 'key')).toBe(0);
    const metrics = await scrape(`http://127.0.0.1:${daemon.httpPort}/metrics`);
    expect([sample(metrics, 'posdrop_prefix_bans_total'), sample(metrics, 'posdrop_banned_prefixes')]).toEqual([1, 1]);
  });
});
