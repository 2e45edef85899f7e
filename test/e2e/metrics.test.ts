import { readFile, stat, writeFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUILT_IN_FORMATS } from '../../src/formats/registry.js';
import { connectSftp, sftpBatch } from '../support/clients.js';
import { TestDaemon, waitFor, type TestPartner, NAMES_JUDGED_BY_PIPELINE } from '../support/daemon.js';
import { lineFormats } from '../support/line-format.mjs';
import { sample, scrape, type Samples } from '../support/prometheus.js';
import { posName } from '../support/names.js';
import { drop } from '../support/drop.js';
import { batch, purchase } from '../support/pos-batches.js';
import { freePort } from '../../bench/support/processes.js';

describe('metrics and health over HTTP', () => {
  let daemon: TestDaemon;
  let acme: TestPartner;
  let before: Samples;
  const metricsUrl = () => `http://127.0.0.1:${daemon.httpPort}/metrics`;
  const healthUrl = () => `http://127.0.0.1:${daemon.httpPort}/healthz`;

  beforeAll(async () => {
    daemon = await TestDaemon.start(NAMES_JUDGED_BY_PIPELINE, { formats: lineFormats(BUILT_IN_FORMATS) });
    acme = await daemon.addPartner({ id: 'acme', clientId: '12' });
    before = await scrape(metricsUrl());
  });
  afterAll(() => daemon.destroy());

  it('counts files, records, bytes and receipt latency after real uploads', async () => {
    const first = daemon.path(posName(1));
    const second = daemon.path(posName(2));
    const stray = daemon.path('report.txt');
    await writeFile(first, 'r1\nr2\nbad line\n');
    await writeFile(second, 'r1\nr2\n'); // both already stored: duplicates
    await writeFile(stray, 'hello\n');
    const result = await sftpBatch(daemon.port, acme, ['cd /inbox', `put ${first}`, `put ${second}`, `put ${stray}`]);
    expect(result.code).toBe(0);
    for (const name of [posName(1), posName(2)]) await waitFor(async () => (await daemon.receipt('acme', name)).state === 'processed');
    await waitFor(async () => (await daemon.receipt('acme', 'report.txt')).state === 'rejected');
    await daemon.idle(); // a final receipt is on disk a moment before its state change is heard

    const after = await scrape(metricsUrl());
    const pos = { partner: 'acme', format: 'crowdtwist-pos' };
    expect(sample(after, 'posdrop_files', { ...pos, state: 'processed' })).toBe(2);
    expect(sample(after, 'posdrop_files', { partner: 'acme', format: 'none', state: 'rejected' })).toBe(1);
    const moved = (outcome: string) =>
      sample(after, 'posdrop_records_total', { ...pos, outcome }) - sample(before, 'posdrop_records_total', { ...pos, outcome });
    expect([moved('accepted'), moved('failed'), moved('duplicate')]).toEqual([2, 1, 2]);
    const sizes = (await Promise.all([first, second, stray].map((file) => stat(file)))).reduce((sum, s) => sum + s.size, 0);
    expect(sample(after, 'posdrop_upload_bytes_total', { partner: 'acme', area: 'inbox' })).toBe(sizes);
    expect(sample(after, 'posdrop_uploads_total', { partner: 'acme', area: 'inbox' })).toBe(3);
    expect(sample(after, 'posdrop_upload_to_receipt_seconds_count', { partner: 'acme', area: 'inbox' })).toBe(3);
    expect(sample(after, 'posdrop_upload_to_receipt_seconds_bucket', { partner: 'acme', area: 'inbox', le: '+Inf' })).toBe(3);
  });

  it('does not count a file twice when the same bytes are sent again', async () => {
    const again = daemon.path(posName(1));
    const start = await scrape(metricsUrl());
    expect((await sftpBatch(daemon.port, acme, ['cd /inbox', `put ${again}`])).code).toBe(0);
    await daemon.idle();
    const after = await scrape(metricsUrl());
    const labels = { partner: 'acme', format: 'crowdtwist-pos', outcome: 'accepted' };
    expect(sample(after, 'posdrop_records_total', labels)).toBe(sample(start, 'posdrop_records_total', labels));
    expect(sample(after, 'posdrop_uploads_total', { partner: 'acme', area: 'inbox' })).toBe(4);
  });

  it('shows open sessions, failed logins and held files', async () => {
    const session = await connectSftp(daemon.port, acme);
    const open = await scrape(metricsUrl());
    expect(sample(open, 'posdrop_sftp_sessions')).toBe(1);
    session.end();
    await waitFor(async () => sample(await scrape(metricsUrl()), 'posdrop_sftp_sessions') === 0);

    await expect(connectSftp(daemon.port, acme, { password: 'not the password', privateKey: undefined })).rejects.toThrow();
    const failed = await scrape(metricsUrl());
    expect(sample(failed, 'posdrop_login_failures_total') - sample(before, 'posdrop_login_failures_total')).toBeGreaterThanOrEqual(1);

    // 0002 before 0001: the sequencer holds it.
    const beta = await daemon.addPartner({ id: 'beta', clientId: '13' });
    const early = daemon.path(posName(2, '13'));
    await writeFile(early, 'r1\n');
    expect((await sftpBatch(daemon.port, beta, ['cd /inbox', `put ${early}`])).code).toBe(0);
    await waitFor(async () => (await daemon.receipt('beta', posName(2, '13'))).state === 'held');
    const holds = await scrape(metricsUrl());
    expect(sample(holds, 'posdrop_held_files', { partner: 'beta' })).toBe(1);
    expect(holds.has('posdrop_held_files{partner="acme"}')).toBe(false);
    const age = sample(holds, 'posdrop_oldest_hold_age_seconds', { partner: 'beta' });
    expect(age).toBeLessThan(10);
    daemon.clock.advance(60_000); // the daemon's clock, which stamped the hold
    const later = sample(await scrape(metricsUrl()), 'posdrop_oldest_hold_age_seconds', { partner: 'beta' });
    expect(later - age).toBeGreaterThanOrEqual(60);
    expect(later - age).toBeLessThan(70);
  });

  it('answers /healthz with 200 while all is well, and 503 with the reason when SFTP stops', async () => {
    const ok = await fetch(healthUrl());
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({ status: 'ok', database: { ok: true }, sftp: { ok: true }, watcher: { ok: true } });

    await daemon.app.running.sftp.stop();
    const down = await fetch(healthUrl());
    expect(down.status).toBe(503);
    expect(await down.json()).toMatchObject({ status: 'unhealthy', sftp: { ok: false, detail: 'the SFTP port is not listening' } });
  });

  it('serves nothing else', async () => {
    expect((await fetch(`http://127.0.0.1:${daemon.httpPort}/`)).status).toBe(404);
    expect((await fetch(metricsUrl(), { method: 'POST' })).status).toBe(405);
  });
});

describe('metrics from the first scrape, and record outcomes of the real formats', () => {
  let daemon: TestDaemon;
  let acme: TestPartner;
  const metricsUrl = () => `http://127.0.0.1:${daemon.httpPort}/metrics`;

  beforeAll(async () => {
    daemon = await TestDaemon.start(NAMES_JUDGED_BY_PIPELINE);
    acme = await daemon.addPartner({ id: 'acme', clientId: '12' });
  });
  afterAll(() => daemon.destroy());

  it("names the version, and every job's last success exists before the job first ran", async () => {
    const version = (JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
    const first = await scrape(metricsUrl());
    expect(sample(first, 'posdrop_build_info', { version, node: process.versions.node })).toBe(1);
    const startedAt = Date.parse(daemon.events('daemon.ready')[0]?.timestamp as string) / 1000;
    for (const job of ['retention', 'checkpoint', 'summary']) {
      const at = sample(first, 'posdrop_job_last_success_timestamp_seconds', { job });
      expect(at, job).toBeGreaterThan(startedAt - 60);
      expect(at, job).toBeLessThanOrEqual(startedAt + 1);
    }
  });

  it('counts a duplicate as a duplicate only, never as failed too', async () => {
    const before = await scrape(metricsUrl());
    expect((await drop(daemon, acme, posName(1), batch(purchase('m1'), purchase('m2')))).state).toBe('processed');
    // m1 again (a duplicate), m3 new, one request without its receipt_id (failed)
    const second = await drop(daemon, acme, posName(2), batch(purchase('m1'), purchase('m3'), { type: 'purchase', data: {} }));
    expect(second.counts).toEqual({ total: 3, accepted: 1, failed: 1, duplicates: 1 });
    await daemon.idle();
    const after = await scrape(metricsUrl());
    const moved = (outcome: string) => {
      const labels = { partner: 'acme', format: 'crowdtwist-pos', outcome };
      return sample(after, 'posdrop_records_total', labels) - sample(before, 'posdrop_records_total', labels);
    };
    expect([moved('accepted'), moved('failed'), moved('duplicate')]).toEqual([3, 1, 1]);
  });
});

describe('bans in the metrics', () => {
  let daemon: TestDaemon;
  let acme: TestPartner;
  const metricsUrl = () => `http://127.0.0.1:${daemon.httpPort}/metrics`;

  beforeAll(async () => {
    daemon = await TestDaemon.start({ sftp: { ban_threshold: 3, ban_minutes: 5 } });
    acme = await daemon.addPartner({ id: 'acme', clientId: '12' });
  });
  afterAll(() => daemon.destroy());

  it('counts a ban once the failed logins reach the threshold, and drops the address when it ends', async () => {
    const before = await scrape(metricsUrl());
    const moved = (now: Samples, name: string) => sample(now, name) - sample(before, name);
    for (let attempt = 0; attempt < 3; attempt += 1) {
      await expect(connectSftp(daemon.port, acme, { password: 'not the password', privateKey: undefined })).rejects.toThrow();
    }
    const banned = await scrape(metricsUrl());
    expect(moved(banned, 'posdrop_login_failures_total')).toBe(3);
    expect(moved(banned, 'posdrop_bans_total')).toBe(1);
    expect(sample(banned, 'posdrop_banned_addresses')).toBe(1);
    await expect(connectSftp(daemon.port, acme)).rejects.toThrow(); // even with the right key

    daemon.clock.advance(5 * 60_000 + 1_000);
    const lifted = await scrape(metricsUrl());
    expect(sample(lifted, 'posdrop_banned_addresses')).toBe(0);
    expect(moved(lifted, 'posdrop_bans_total')).toBe(1);
    (await connectSftp(daemon.port, acme)).end();
  });
});

describe('http.enabled: false', () => {
  it('opens no listener, and a reload that turns it on opens it', async () => {
    const port = await freePort();
    const daemon = await TestDaemon.start({ http: { enabled: false, port } });
    try {
      expect(daemon.httpPort).toBe(0);
      expect(JSON.parse(await readFile(daemon.path('daemon.json'), 'utf8'))).toMatchObject({ http: null });
      await expect(fetch(`http://127.0.0.1:${port}/healthz`)).rejects.toThrow();

      const next = structuredClone(daemon.config);
      next.http.enabled = true;
      await daemon.app.reload(next);
      expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
    } finally {
      await daemon.destroy();
    }
  });
});

