/**
 * Webhooks through the running daemon: files uploaded over OpenSSH sftp raise signed events that
 * a real HTTP receiver verifies; a receiver that is down gets every event once it is back, in
 * order per file; a delivery past its retry period is dead-lettered and `posdrop notifications
 * retry` sends it again; a daemon killed between the commit and the delivery delivers after its
 * restart.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { utcDay } from '../../src/core/calendar.js';
import { posdrop, runCli } from '../support/cli.js';
import { TestDaemon, waitFor, type TestPartner, NAMES_JUDGED_BY_PIPELINE } from '../support/daemon.js';
import { addPartnerOffline, DaemonProcess } from '../support/daemon-process.js';
import { drop } from '../support/drop.js';
import { batch, purchase, receiptWhen, upload } from '../support/pos-batches.js';
import { sample, scrape } from '../support/prometheus.js';
import { WebhookReceiver } from '../support/webhook-receiver.js';

const OPS_SECRET = 'ops-secret-0123456789abcdef';
const ACME_SECRET = 'acme-secret-0123456789abcdef';

function notifications(receiver: WebhookReceiver, extra: Record<string, unknown> = {}) {
  return {
    subscriptions: [{ name: 'ops', url: receiver.url('/ops'), secret: OPS_SECRET }],
    partner_receipts: { acme: { url: receiver.url('/acme'), secret: ACME_SECRET } },
    backoff_seconds: 0.05,
    backoff_max_seconds: 0.2,
    timeout_seconds: 2,
    ...extra,
  };
}

describe('webhook notifications', () => {
  let receiver: WebhookReceiver;
  let daemon: TestDaemon;
  let acme: TestPartner;
  let other: TestPartner;
  let day: string;

  beforeAll(async () => {
    receiver = await WebhookReceiver.start({ '/ops': OPS_SECRET, '/acme': ACME_SECRET });
    daemon = await TestDaemon.start({ ...NAMES_JUDGED_BY_PIPELINE, notifications: notifications(receiver) });
    acme = await daemon.addPartner({ id: 'acme', clientId: '12', formats: ['crowdtwist-pos', 'carma-purchase-history'] });
    other = await daemon.addPartner({ id: 'other', formats: ['carma-purchase-history'] });
    day = utcDay(daemon.clock.now()).replaceAll('-', '');
  });
  afterAll(async () => {
    await daemon.destroy();
    await receiver.close();
  });

  it('signs each event, sends the receipt with it, and sends a partner its own files only', async () => {
    const processed = await drop(daemon, acme, 'purchasehistory_L1_a.csv', 'o-1;S;1.00\no-2;S;x\n');
    const rejected = await drop(daemon, acme, 'nonsense.txt', 'hello\n');
    await drop(daemon, acme, 'purchasehistory_L1_check.csv', 'o-1;S;1.00\n', 'validate'); // a dry run raises nothing
    await drop(daemon, other, 'purchasehistory_L1_b.csv', 'o-1;S;1.00\n');
    const ops = await waitFor(() => receiver.at('/ops').length >= 3 && receiver.at('/ops'), 10_000);
    expect(ops.every((entry) => entry.signed)).toBe(true);
    const byFile = (name: string) => ops.filter((entry) => entry.body.file === name);
    expect(byFile('purchasehistory_L1_a.csv')).toEqual([
      expect.objectContaining({
        event: 'file.processed',
        body: expect.objectContaining({ event: 'file.processed', partner: 'acme', state: 'processed', sha256: processed.sha256, counts: { total: 2, accepted: 1, failed: 1, duplicates: 0 } }),
      }),
    ]);
    const [refusal] = byFile('nonsense.txt');
    expect(refusal?.event).toBe('file.rejected');
    expect(refusal?.body.reason).toEqual((rejected as { reason: unknown }).reason);
    for (const entry of ops) expect(entry.body.delivery_id).toBe(entry.deliveryId);
    const own = await waitFor(() => receiver.at('/acme').length >= 2 && receiver.at('/acme'), 10_000);
    expect(own.map((entry) => [entry.body.partner, entry.body.file, entry.signed])).toEqual([
      ['acme', 'purchasehistory_L1_a.csv', true],
      ['acme', 'nonsense.txt', true],
    ]);

    const samples = await scrape(`http://127.0.0.1:${daemon.httpPort}/metrics`);
    expect(sample(samples, 'posdrop_notifications', { subscription: 'ops', state: 'delivered' })).toBe(3);
    expect(sample(samples, 'posdrop_notifications', { subscription: 'partner:acme', state: 'delivered' })).toBe(2);
    expect(sample(samples, 'posdrop_notification_oldest_pending_seconds', { subscription: 'ops' })).toBe(0);
  });

  it('delivers every event once the receiver is back, each once and in order per file', async () => {
    receiver.failing = true;
    const before = receiver.received.length;
    const second = `${day}_0002_12_pos_b.json`;
    await upload(daemon, acme, second, batch(purchase('w-2')));
    await receiptWhen(daemon, 'acme', second, 'held');
    const first = `${day}_0001_12_pos_a.json`;
    await upload(daemon, acme, first, batch(purchase('w-1')));
    await receiptWhen(daemon, 'acme', second, 'processed');
    // down for a while: attempts fail and are retried, none is delivered
    await waitFor(async () => ((await runCli(['notifications', 'list', '--json', '--state', 'pending', '--config', await cfg()])).stdout.includes('HTTP 503')), 10_000);
    expect(receiver.received.length).toBe(before);
    receiver.failing = false;
    const events = await waitFor(() => {
      const ops = receiver.at('/ops').filter((entry) => entry.body.file === first || entry.body.file === second);
      return ops.length >= 3 && ops;
    }, 15_000);
    expect(events.filter((entry) => entry.body.file === second).map((entry) => entry.event)).toEqual(['file.held', 'file.processed']);
    expect(events.filter((entry) => entry.body.file === first).map((entry) => entry.event)).toEqual(['file.processed']);
    expect(new Set(events.map((entry) => entry.deliveryId)).size).toBe(events.length);
    const failures = sample(await scrape(`http://127.0.0.1:${daemon.httpPort}/metrics`), 'posdrop_notification_attempt_failures_total', { subscription: 'ops' });
    expect(failures).toBeGreaterThan(0);
  });

  it('dead-letters a delivery past its retry period, and sends it again on retry', async () => {
    // what the tests before raised (a partner's own copies too) has all arrived first
    await waitFor(async () => (await posdrop(daemon, ['notifications', 'list', '--state', 'pending', '--json'])).stdout.trim() === '[]', 10_000);
    daemon.config.notifications.retry_hours = 0.5 / 3600; // half a second
    await receiver.close();
    await drop(daemon, other, 'purchasehistory_L2_dead.csv', 'o-9;S;1.00\n');
    const dead = await waitFor(async () => {
      const listed = JSON.parse((await posdrop(daemon, ['notifications', 'list', '--state', 'dead', '--json'])).stdout) as { id: number; event: string; last_error: string }[];
      return listed.length > 0 && listed;
    }, 10_000);
    expect(dead.map((delivery) => delivery.event)).toEqual(['file.processed']);
    // refused outright, or cut as the receiver closed: a connection error, named by its code
    for (const delivery of dead) expect(delivery.last_error).toMatch(/^(ECONNREFUSED|ECONNRESET|UND_ERR_SOCKET)$/);
    daemon.config.notifications.retry_hours = 24;
    await receiver.reopen();
    const retried = await posdrop(daemon, ['notifications', 'retry', '--dead']);
    expect(retried).toMatchObject({ code: 0, stdout: `${dead.length} ${dead.length === 1 ? 'delivery' : 'deliveries'} queued to be sent again\n` });
    await waitFor(() => receiver.at('/ops').some((entry) => entry.body.file === 'purchasehistory_L2_dead.csv'), 10_000);
    const table = await posdrop(daemon, ['notifications', 'list', '--state', 'dead']);
    expect(table.stdout.split('\n').filter(Boolean)).toHaveLength(1); // the header alone
    expect((await posdrop(daemon, ['notifications', 'retry', '1', '--dead'])).code).toBe(2);
  });

  async function cfg(): Promise<string> {
    const file = daemon.path('posdrop.config.json');
    await writeFile(file, JSON.stringify(daemon.config));
    return file;
  }
});

describe('webhook notifications across a crash', () => {
  it('delivers an event committed before a kill -9 once the daemon is back', { timeout: 90_000 }, async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'posdrop-notify-crash-'));
    const receiver = await WebhookReceiver.start({ '/ops': OPS_SECRET });
    await receiver.close(); // down when the file is processed
    const config = path.join(dataDir, 'config.json');
    await writeFile(config, JSON.stringify({ notifications: { subscriptions: [{ name: 'ops', url: receiver.url('/ops'), secret: OPS_SECRET }], backoff_seconds: 0.05, backoff_max_seconds: 0.1 } }));
    const env = { POSDROP_CONFIG: config };
    const partner = await addPartnerOffline(dataDir, 'shop', 'shop');
    let daemon = await DaemonProcess.start(dataDir, env);
    try {
      const day = utcDay(new Date()).replaceAll('-', '');
      const name = `${day}_0001_shop_pos_a.json`;
      const local = path.join(dataDir, name);
      await writeFile(local, batch(purchase('k-1')));
      const { sftpBatch } = await import('../support/clients.js');
      expect((await sftpBatch(daemon.port, partner, [`put ${local} /inbox/${name}`])).code).toBe(0);
      await daemon.waitForLog((line) => line.event === 'file.processed' && line.file === name);
      await daemon.waitForLog((line) => line.event === 'notification.retrying');
      await daemon.kill('SIGKILL');
      await receiver.reopen();
      daemon = await DaemonProcess.start(dataDir, env);
      const [delivered] = await waitFor(() => receiver.at('/ops').length > 0 && receiver.at('/ops'), 20_000);
      expect(delivered).toMatchObject({ event: 'file.processed', signed: true, body: expect.objectContaining({ file: name, state: 'processed' }) });
      // once: nothing more arrives for it after a further pass
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(receiver.received.filter((entry) => entry.body.file === name)).toHaveLength(1);
    } finally {
      await daemon.kill('SIGTERM').catch(() => undefined);
      await receiver.close();
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
