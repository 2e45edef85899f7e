/**
 * Connections that never log in, against `posdrop serve` with the shipped limits on the room for
 * them: an attacker holding 300 idle connections from 50 addresses, reopening each as soon as
 * it goes, must not keep a partner out; silent and stalled connections go at their deadlines;
 * an address that keeps closing connections without a login attempt is banned; refusals are
 * logged once per address and interval with a count. Figures go to TEST_FIGURES when it is set.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sftpBatch } from '../support/clients.js';
import { addPartnerOffline, DaemonProcess } from '../support/daemon-process.js';
import { waitFor, type LogLine, type TestPartner } from '../support/daemon.js';
import { recordFigure } from '../support/figures.js';
import { posName } from '../support/names.js';
import { batch, purchase } from '../support/pos-batches.js';
import { MB, processMemory, resetPeak } from '../support/process-memory.js';
import { sample, scrape, type Samples } from '../support/prometheus.js';
import { Squatter, SquatterCrowd } from '../support/squatter.js';

/** The shipped room for connections not logged in yet, and the shipped no-login ban threshold. */
const MAX_UNAUTHENTICATED = 64;
const NOAUTH_BAN_THRESHOLD = 20;
const MEMORY_BOUND = 200 * MB;
const GATE_REASONS = {
  random: 'dropped early: many connections waiting to log in',
  full: 'too many connections waiting to log in',
  displaced: 'displaced by a connection from a less busy address',
};

/** `127.0.0.<first>` … `127.0.0.<first + count - 1>`. */
function loopback(first: number, count: number): string[] {
  return Array.from({ length: count }, (_, i) => `127.0.0.${first + i}`);
}

describe('connections that never log in, against posdrop serve', () => {
  let dataDir: string;
  let daemon: DaemonProcess;
  let partner: TestPartner;
  let metricsUrl: string;
  let counter = 0;
  let suiteStarted = 0;

  beforeAll(async () => {
    suiteStarted = performance.now();
    dataDir = await mkdtemp(path.join(tmpdir(), 'posdrop-startups-'));
    partner = await addPartnerOffline(dataDir, 'acme', '12');
    daemon = await DaemonProcess.start(dataDir, {
      NODE_OPTIONS: '--max-semi-space-size=4',
      // A long login grace: what closes idle connections here must be the earlier deadlines.
      POSDROP_SFTP_LOGIN_GRACE_SECONDS: '600',
      POSDROP_SFTP_HANDSHAKE_TIMEOUT_SECONDS: '8',
    });
    const runtime = JSON.parse(await readFile(path.join(dataDir, 'daemon.json'), 'utf8')) as { http: { port: number } };
    metricsUrl = `http://127.0.0.1:${runtime.http.port}/metrics`;
  });
  afterAll(async () => {
    await daemon.kill('SIGTERM');
    await rm(dataDir, { recursive: true, force: true });
  });

  const metrics = (): Promise<Samples> => scrape(metricsUrl);
  const unauthenticated = async () => sample(await metrics(), 'posdrop_sftp_unauthenticated_connections');

  /** The partner uploads the next batch with OpenSSH's sftp and waits for it to be processed. */
  async function partnerUpload(): Promise<number> {
    counter += 1;
    const name = posName(counter);
    const local = path.join(dataDir, name);
    await writeFile(local, batch(purchase(`startups-${counter}`)));
    const started = performance.now();
    // A generous client-side limit: the point is that the partner gets in at all.
    const put = await sftpBatch(daemon.port, partner, [`put ${local} /inbox/${name}`], { timeoutMs: 30_000 });
    const seconds = (performance.now() - started) / 1000;
    expect(put.code, put.stderr).toBe(0);
    await daemon.waitForLog((line) => line.event === 'file.processed' && line.file === name, 30_000);
    return seconds;
  }

  it('closes a silent connection at the banner deadline and a stalled one at the key exchange deadline', async () => {
    const before = await metrics();
    const silent = new Squatter(daemon.port, '127.0.0.61');
    const stalled = new Squatter(daemon.port, '127.0.0.62');
    expect(await stalled.admitted()).toBe(true);
    stalled.socket.write('SSH-2.0-Stalled_1.0\r\n');
    expect(await silent.admitted()).toBe(true);
    await waitFor(() => silent.closed && stalled.closed, 30_000);
    const after = await metrics();
    const moved = (step: string) =>
      sample(after, 'posdrop_sftp_handshake_timeouts_total', { step }) - sample(before, 'posdrop_sftp_handshake_timeouts_total', { step });
    expect([moved('banner'), moved('key_exchange')]).toEqual([1, 1]);
    expect(daemon.events('sftp.login_timeout')).toEqual([]);
    silent.close();
    stalled.close();
  });

  it('lets a partner log in and upload while 300 idle connections from 50 addresses keep coming back', async () => {
    await resetPeak(daemon.pid);
    const started = performance.now();
    const crowd = new SquatterCrowd(daemon.port, loopback(2, 50), 300);
    const timings: number[] = [];
    try {
      // The room for connections not logged in is full of the crowd's when the partner first comes:
      // it gets in on fairness alone (its address has nothing waiting), before any ban.
      await waitFor(async () => (await unauthenticated()) === MAX_UNAUTHENTICATED, 30_000);
      expect(daemon.events('sftp.address_banned')).toEqual([]);
      timings.push(await partnerUpload());
      // The crowd keeps coming back; the partner keeps getting in.
      for (let round = 0; round < 3; round += 1) {
        const opened = crowd.opened;
        await waitFor(() => crowd.opened >= opened + 300, 30_000);
        timings.push(await partnerUpload());
      }
      const during = await metrics();
      expect(sample(during, 'posdrop_sftp_early_drops_total', { how: 'displaced' })).toBeGreaterThan(0);
      expect(sample(during, 'posdrop_sftp_early_drops_total', { how: 'full' }) + sample(during, 'posdrop_sftp_early_drops_total', { how: 'random' })).toBeGreaterThan(0);
      // Cycling idle connections does not go on forever: every address of the crowd ends up banned,
      // and the room empties while the crowd still knocks.
      const bans = await waitFor(() => {
        const banned = new Set(daemon.events('sftp.address_banned').filter((line) => line.cause === 'noauth').map((line) => line.address));
        return banned.size === 50 && banned;
      }, 120_000);
      expect([...bans].sort()).toEqual(loopback(2, 50).sort());
      await waitFor(async () => (await unauthenticated()) === 0, 30_000);
      const opened = crowd.opened;
      await waitFor(() => crowd.opened >= opened + 300, 30_000);
      expect(await unauthenticated()).toBe(0);
      timings.push(await partnerUpload());
    } finally {
      crowd.stop();
    }
    const { peak } = await processMemory(daemon.pid);
    expect(peak).toBeLessThan(MEMORY_BOUND);
    await waitFor(async () => sample(await metrics(), 'posdrop_sftp_connections') === 0, 30_000);
    const seconds = (performance.now() - started) / 1000;
    await recordFigure('idle_crowd_partner_upload_seconds', Math.max(...timings), {
      uploads: timings.map((t) => Math.round(t * 100) / 100),
      crowd_connections_opened: crowd.opened,
      peak_rss_mb: Math.round(peak / MB),
      seconds: Math.round(seconds),
    });
  }, 240_000);

  it('bans an address that keeps closing connections without a login attempt', async () => {
    const before = await metrics();
    for (let i = 0; i < NOAUTH_BAN_THRESHOLD; i += 1) {
      const squatter = new Squatter(daemon.port, '127.0.0.60');
      expect(await squatter.admitted()).toBe(true);
      squatter.close();
    }
    const ban = await waitFor(() => daemon.events('sftp.address_banned').find((line) => line.address === '127.0.0.60'));
    expect(ban).toMatchObject({ cause: 'noauth', failures: NOAUTH_BAN_THRESHOLD });
    const refused = new Squatter(daemon.port, '127.0.0.60');
    expect(await refused.admitted()).toBe(false);
    await waitFor(() =>
      daemon.events('sftp.connection_refused').some((line) => line.address === '127.0.0.60' && line.reason === 'address banned after repeated connections without a login'),
    );
    const after = await metrics();
    expect(sample(after, 'posdrop_sftp_preauth_bans_total') - sample(before, 'posdrop_sftp_preauth_bans_total')).toBe(1);
    expect(sample(after, 'posdrop_banned_addresses') - sample(before, 'posdrop_banned_addresses')).toBe(1);
    // Other addresses are not affected.
    await partnerUpload();
  });

  it('logged each refusal reason once per address and interval, with counts that add up to the metrics', async () => {
    const counts = await metrics();
    // Stopping logs the counts not yet written.
    await daemon.kill('SIGTERM');
    await waitFor(() => daemon.events('daemon.stopped').length > 0);
    const lines = daemon.events('sftp.connection_refused');
    const total = (reason: string) => lines.filter((line) => line.reason === reason).reduce((sum, line) => sum + (line.count as number), 0);
    for (const [how, reason] of Object.entries(GATE_REASONS)) {
      expect(total(reason), how).toBe(sample(counts, 'posdrop_sftp_early_drops_total', { how }));
    }
    const perAddressAndReason = new Map<string, LogLine[]>();
    for (const line of lines) {
      const key = `${String(line.address)} ${String(line.reason)}`;
      perAddressAndReason.set(key, [...(perAddressAndReason.get(key) ?? []), line]);
    }
    // The first refusal at once, then one line per 60 s (the shipped interval), and one at stop.
    const intervals = Math.floor((performance.now() - suiteStarted) / 60_000);
    const groups = [...perAddressAndReason.values()];
    expect(Math.max(...groups.map((group) => group.length))).toBeLessThanOrEqual(2 + intervals);
    expect(Math.max(...groups.map((group) => group.reduce((sum, line) => sum + (line.count as number), 0)))).toBeGreaterThan(10);
    const refusals = lines.reduce((sum, line) => sum + (line.count as number), 0);
    await recordFigure('refusal_log_lines', lines.length, { refusals });
  });
});
