import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUILT_IN_FORMATS } from '../../src/formats/registry.js';
import { TestDaemon, waitFor, type TestPartner, NAMES_JUDGED_BY_PIPELINE } from '../support/daemon.js';
import { lineFormats } from '../support/line-format.mjs';
import { batch, cli, download, purchase, query, receiptWhen, upload } from '../support/pos-batches.js';
import { sqliteOnlyTest } from '../support/store-sql.js';
import { TEST_STORE } from '../support/test-store.js';

/** Three files that only make sense in order: a purchase, then its return, then its fulfillment. */
function dependentFiles(tag: string): string[] {
  const receipt = `${tag}-p1`;
  return [
    batch(purchase(receipt, { items: [{ sku: 'sku_a', price: 10, quantity: 2 }, { sku: 'sku_b', price: 5, quantity: 1, is_awaiting_fulfillment: true }] })),
    batch({ type: 'return', data: { receipt_id: receipt, return_id: `${tag}-ret`, date_returned: '2017-05-09T10:00:00Z', items: [{ sku: 'sku_a', quantity: 1 }] } }),
    batch({ type: 'fulfillment', data: { receipt_id: receipt, fulfillment_id: `${tag}-ful`, date_fulfilled: '2017-05-10T10:00:00Z', items: [{ sku: 'sku_b', quantity: 1 }] } }),
  ];
}

const nameOf = (date: string, counter: number, tail = 'shop') => `${date}_${String(counter).padStart(4, '0')}_12_pos_${tail}.json`;

describe('files of one partner and date are processed in counter order', () => {
  let daemon: TestDaemon;
  let acme: TestPartner;

  beforeAll(async () => {
    daemon = await TestDaemon.start({ intake: { ...NAMES_JUDGED_BY_PIPELINE.intake, rescan_seconds: 1 }, sequencer: { stale_check_schedule: '* * * * * *' } });
    acme = await daemon.addPartner({ id: 'acme', clientId: '12' });
  });
  afterAll(() => daemon.destroy());

  /** The files of `date` in the order they were processed, once `count` of them are (logs trail receipts a little). */
  // The order of the commits, from the ledger's history: the log lines of one file's answer and
  // of the next file's, which runs on another intake worker, may come in either order.
  const processedOrder = (date: string, count: number) =>
    waitFor(async () => {
      const rows = await query(daemon, `SELECT f.name FROM file_events e JOIN files f ON f.id = e.file_id WHERE e.state = 'processed' AND f.name LIKE '${date}%' ORDER BY e.id`);
      const names = rows.map((row) => row.name as string);
      return names.length >= count ? names : undefined;
    }, 30_000);

  it('holds 0003 and 0002 until 0001 arrives, then processes all three in order', async () => {
    const [first, second, third] = dependentFiles('ooo') as [string, string, string];
    await upload(daemon, acme, nameOf('20170624', 3), third);
    const held = await waitFor(async () => {
      const receipt = JSON.parse(await download(daemon, acme, `${nameOf('20170624', 3)}.receipt.json`)) as Record<string, unknown>;
      return receipt.state === 'held' ? receipt : undefined;
    }, 30_000);
    expect(held).toMatchObject({ state: 'held', waiting_for: '20170624_0001_12_pos_*.json', counts: null });
    await upload(daemon, acme, nameOf('20170624', 2), second);
    await receiptWhen(daemon, 'acme', nameOf('20170624', 2), 'held');

    const gaps = JSON.parse((await cli(daemon, 'held', '--json')).stdout) as Record<string, unknown>[];
    expect(gaps).toEqual([
      expect.objectContaining({
        partner: 'acme',
        date: '2017-06-24',
        expected: '0001',
        waiting_for: '20170624_0001_12_pos_*.json',
        held: [expect.objectContaining({ counter: '0002' }), expect.objectContaining({ counter: '0003' })],
      }),
    ]);

    const table = (await cli(daemon, 'held')).stdout.split('\n');
    expect(table[0]).toMatch(/^PARTNER +DATE +EXPECTED +HELD SINCE +HELD +WAITING FOR$/);
    expect(table[1]).toMatch(/^acme +2017-06-24 +0001 +\d{4}-\d\d-\d\d \d\d:\d\d:\d\d +0002, 0003 +20170624_0001_12_pos_\*\.json$/);
    expect(table.slice(2)).toEqual(['']);

    await upload(daemon, acme, nameOf('20170624', 1), first);
    for (const counter of [1, 2, 3]) {
      const receipt = await receiptWhen(daemon, 'acme', nameOf('20170624', counter), 'processed');
      expect(receipt.counts).toEqual({ total: 1, accepted: 1, failed: 0, duplicates: 0 });
    }
    expect(await processedOrder('20170624', 3)).toEqual([1, 2, 3].map((counter) => nameOf('20170624', counter)));
    expect(await query(daemon, "SELECT last_processed FROM sequences WHERE day = '2017-06-24'")).toEqual([{ last_processed: 3 }]);
    const history = JSON.parse((await cli(daemon, 'show', nameOf('20170624', 3), '--json')).stdout) as { history: { state: string; detail: string }[] };
    expect(history.history.map((event) => event.state)).toEqual(['received', 'queued', 'held', 'queued', 'processing', 'processed']);
    expect(history.history[3]?.detail).toBe('released: 0002 is processed');
    expect(JSON.parse((await cli(daemon, 'held', '--json')).stdout)).toEqual([]);
    expect((await cli(daemon, 'held')).stdout).toBe('(none)\n');
  });

  it('processes a resend (a counter already processed) at once, answers stored records as duplicates, keeps the sequence', async () => {
    const [, second] = dependentFiles('ooo') as [string, string];
    const resend = nameOf('20170624', 2, 'again');
    await upload(daemon, acme, resend, second);
    const receipt = await receiptWhen(daemon, 'acme', resend, 'processed');
    expect(receipt.counts).toEqual({ total: 1, accepted: 0, failed: 0, duplicates: 1 });
    const errors = JSON.parse(await download(daemon, acme, `${resend}.errors.json`)) as { failed_requests: { errors: { code: string }[] }[] };
    expect(errors.failed_requests[0]?.errors.map((error) => error.code)).toEqual(['duplicate_return_id']);
    expect(await query(daemon, "SELECT last_processed FROM sequences WHERE day = '2017-06-24'")).toEqual([{ last_processed: 3 }]);

    await upload(daemon, acme, nameOf('20170624', 4), batch(purchase('ooo-p4')));
    await receiptWhen(daemon, 'acme', nameOf('20170624', 4), 'processed');
    expect(await query(daemon, "SELECT last_processed FROM sequences WHERE day = '2017-06-24'")).toEqual([{ last_processed: 4 }]);
  });

  it('answers a purchase sent again in a later file of another name as duplicate_receipt_id, and stores it once', async () => {
    await upload(daemon, acme, nameOf('20170629', 1), batch(purchase('again-p1')));
    await receiptWhen(daemon, 'acme', nameOf('20170629', 1), 'processed');
    const later = nameOf('20170629', 2, 'evening');
    await upload(daemon, acme, later, batch(purchase('again-p2'), purchase('again-p1', { total: 5 })));

    expect((await receiptWhen(daemon, 'acme', later, 'processed')).counts).toEqual({ total: 2, accepted: 1, failed: 0, duplicates: 1 });
    const errors = JSON.parse(await download(daemon, acme, `${later}.errors.json`)) as { failed_requests: unknown[] };
    expect(errors.failed_requests).toEqual([
      expect.objectContaining({
        index: 1,
        receipt_id: 'again-p1',
        type: 'purchase',
        errors: [{ field: 'data.receipt_id', code: 'duplicate_receipt_id', message: 'receipt_id "again-p1" is already stored (from an earlier request or file); each receipt is accepted once' }],
      }),
    ]);
    expect(await query(daemon, "SELECT receipt_id, total FROM crowdtwist_purchases WHERE receipt_id LIKE 'again-%' ORDER BY receipt_id")).toEqual([
      { receipt_id: 'again-p1', total: 119.64 },
      { receipt_id: 'again-p2', total: 119.64 },
    ]);
    expect(await query(daemon, "SELECT last_processed FROM sequences WHERE day = '2017-06-29'")).toEqual([{ last_processed: 2 }]);
  });

  it('refuses an improper day or counter, and the sequence waits for a correct file', async () => {
    await upload(daemon, acme, nameOf('20170625', 2), batch(purchase('ref-p2')));
    await receiptWhen(daemon, 'acme', nameOf('20170625', 2), 'held');
    const refused: [string, string][] = [
      ['20170625_0000_12_pos_shop.json', 'name_counter_invalid'],
      ['20170625_01_12_pos_shop.json', 'name_counter_invalid'],
      ['20170631_0001_12_pos_shop.json', 'name_date_invalid'],
      ['20991231_0001_12_pos_shop.json', 'name_date_future'],
    ];
    for (const [name, code] of refused) {
      await upload(daemon, acme, name, batch(purchase(`ref-${code}`)));
      const receipt = await receiptWhen(daemon, 'acme', name, 'rejected');
      expect(receipt.reason).toMatchObject({ code });
    }
    expect(await query(daemon, "SELECT count(*) AS n FROM sequences WHERE day = '2017-06-25'")).toEqual([{ n: 0 }]);
    expect((await daemon.receipt('acme', nameOf('20170625', 2))).state).toBe('held');

    await upload(daemon, acme, nameOf('20170625', 1), batch(purchase('ref-p1')));
    await receiptWhen(daemon, 'acme', nameOf('20170625', 2), 'processed');
    expect(await processedOrder('20170625', 2)).toEqual([nameOf('20170625', 1), nameOf('20170625', 2)]);
  });

  it('keeps held files held through a restart, and releases them when the gap fills', async () => {
    const [first, second, third] = dependentFiles('rst') as [string, string, string];
    await upload(daemon, acme, nameOf('20170626', 3), third);
    await upload(daemon, acme, nameOf('20170626', 2), second);
    await receiptWhen(daemon, 'acme', nameOf('20170626', 2), 'held');
    await receiptWhen(daemon, 'acme', nameOf('20170626', 3), 'held');

    await daemon.restart();
    await daemon.idle();
    expect(await query(daemon, "SELECT name, state FROM files WHERE name LIKE '20170626%' ORDER BY name")).toEqual([
      { name: nameOf('20170626', 2), state: 'held' },
      { name: nameOf('20170626', 3), state: 'held' },
    ]);

    await upload(daemon, acme, nameOf('20170626', 1), first);
    await receiptWhen(daemon, 'acme', nameOf('20170626', 3), 'processed');
    expect(await processedOrder('20170626', 3)).toEqual([1, 2, 3].map((counter) => nameOf('20170626', counter)));
  });

  it('lets an operator skip a gap on purpose, on the record', async () => {
    const held = nameOf('20170627', 3);
    await upload(daemon, acme, held, batch(purchase('rel-p3')));
    await receiptWhen(daemon, 'acme', held, 'held');

    const jump = await cli(daemon, 'release', '--partner', 'acme', '--date', '20170627', '--through', '0003', '--reason', 'lost', '--by', 'alice');
    expect(jump.code).toBe(1);
    expect(jump.stderr).toContain('0003 is held and would be skipped: release through 0002 to process it next');

    const first = await cli(daemon, 'release', '--partner', 'acme', '--date', '20170627', '--through', '0001', '--reason', 'never made', '--by', 'alice');
    expect(first.stdout).toContain('skipped 0001–0001 of acme 2017-06-27');
    const waiting = await receiptWhen(daemon, 'acme', held, 'held');
    expect(waiting.waiting_for).toBe('20170627_0002_12_pos_*.json');

    const second = await cli(daemon, 'release', '--partner', 'acme', '--date', '20170627', '--through', '0002', '--reason', 'partner confirmed', '--by', 'bob', '--json');
    expect(JSON.parse(second.stdout)).toMatchObject({ skipped: { from: '0002', through: '0002' }, released_by: 'bob', released: [held] });
    await receiptWhen(daemon, 'acme', held, 'processed');

    const shown = JSON.parse((await cli(daemon, 'show', held, '--json')).stdout) as { sequence: Record<string, unknown> };
    expect(shown.sequence).toMatchObject({
      date: '2017-06-27',
      counter: '0003',
      last_processed: 3,
      waiting_for: null,
      skipped: [
        { from: '0001', through: '0001', reason: 'never made', released_by: 'alice', released_at: expect.any(String) },
        { from: '0002', through: '0002', reason: 'partner confirmed', released_by: 'bob', released_at: expect.any(String) },
      ],
    });
    expect((await cli(daemon, 'show', held)).stdout).toMatch(/skipped: +0002–0002 by bob at .*: partner confirmed/);

    const late = nameOf('20170627', 1, 'late');
    await upload(daemon, acme, late, batch(purchase('rel-p1')));
    expect((await receiptWhen(daemon, 'acme', late, 'processed')).counts).toMatchObject({ accepted: 1 });
  });

  it('logs sequence.stale for a gap held longer than the threshold', async () => {
    const held = nameOf('20170628', 2);
    await upload(daemon, acme, held, batch(purchase('stale-p2')));
    await receiptWhen(daemon, 'acme', held, 'held');
    daemon.clock.advance(61 * 60_000);
    const alert = await waitFor(() => daemon.events('sequence.stale').find((line) => line.date === '2017-06-28'), 30_000);
    expect(alert).toMatchObject({
      level: 'warn',
      partner: 'acme',
      expected: '0001',
      waiting_for: '20170628_0001_12_pos_*.json',
      held: [held],
      threshold_minutes: 60,
    });
    expect(alert.minutes).toBeGreaterThanOrEqual(61);
  });

  it('refuses to release a date with nothing held, records no skip, and names the gaps there are', async () => {
    const held = nameOf('20170615', 2);
    await upload(daemon, acme, held, batch(purchase('none-p2')));
    await receiptWhen(daemon, 'acme', held, 'held');
    const wrongDay = await cli(daemon, 'release', '--partner', 'acme', '--date', '20170616', '--through', '0001', '--reason', 'typo', '--by', 'alice');
    expect(wrongDay.code).toBe(2);
    expect(wrongDay.stdout).toBe('');
    expect(wrongDay.stderr).toMatch(/^posdrop release: nothing is held for acme on 20170616, so there is no gap to release; the gaps of acme: .*20170615 waits for 0001 \(held: 0002\).* \(posdrop held\)\n$/);
    expect(await query(daemon, "SELECT count(*) AS n FROM sequence_skips WHERE day = '2017-06-16'")).toEqual([{ n: 0 }]);
    expect(await query(daemon, "SELECT count(*) AS n FROM sequences WHERE day = '2017-06-16'")).toEqual([{ n: 0 }]);

    const beta = await daemon.addPartner({ id: 'beta', clientId: '13' });
    expect(beta.id).toBe('beta');
    const none = await cli(daemon, 'release', '--partner', 'beta', '--date', '20170615', '--through', '0001', '--reason', 'typo');
    expect([none.code, none.stderr]).toEqual([2, 'posdrop release: nothing is held for beta on 20170615, so there is no gap to release; beta has no gap open (posdrop held)\n']);
  });
});

describe('posdrop release while the daemon holds a file in hand', () => {
  let daemon: TestDaemon;
  let acme: TestPartner;
  let gate: string;

  beforeAll(async () => {
    // Every file's transaction stays open until the gate exists: a batch as long as the test wants.
    gate = path.join(await mkdtemp(path.join(tmpdir(), 'posdrop-gate-')), 'open');
    daemon = await TestDaemon.start({ intake: { rescan_seconds: 1 } }, { formats: lineFormats(BUILT_IN_FORMATS, { gate }) });
    acme = await daemon.addPartner({ id: 'acme', clientId: '12' });
  });
  afterAll(async () => {
    await writeFile(gate, '');
    await daemon.destroy();
    await rm(path.dirname(gate), { recursive: true, force: true });
  });

  /** A file held behind a gap of one date, and a large one of the next date in hand, its transaction open until the gate. */
  async function holdAndStartLarge(tag: string): Promise<{ held: string; large: string }> {
    const held = nameOf(`${tag}01`, 2);
    await upload(daemon, acme, held, 'held line\n');
    await receiptWhen(daemon, 'acme', held, 'held');
    const large = nameOf(`${tag}02`, 1, 'large');
    await upload(daemon, acme, large, Array.from({ length: 50_000 }, (_, line) => `purchase ${line}`).join('\n'));
    await waitFor(() => daemon.events('file.processing').some((line) => line.file === large), 30_000);
    return { held, large };
  }

  const release = (date: string) => cli(daemon, 'release', '--partner', 'acme', '--date', date, '--through', '0001', '--reason', 'never sent', '--by', 'alice');

  async function expectReleased(result: Awaited<ReturnType<typeof release>>, date: string, held: string, large: string): Promise<void> {
    expect(result.stderr).toBe('');
    expect(result.stdout).toContain(`skipped 0001–0001 of acme ${date.slice(0, 4)}-${date.slice(4, 6)}-${date.slice(6)}, recorded for alice: never sent`);
    expect(result.stdout).toContain(`released ${held}`);
    expect((await receiptWhen(daemon, 'acme', large, 'processed')).counts).toMatchObject({ accepted: 50_000 });
    expect((await receiptWhen(daemon, 'acme', held, 'processed')).counts).toMatchObject({ accepted: 1 });
  }

  sqliteOnlyTest("SQLite's one write lock, which the file in hand holds")(
    'waits for that file to commit, longer than the ten seconds any other command waits, then skips the gap',
    { timeout: 90_000 },
    async () => {
      const { held, large } = await holdAndStartLarge('201707');
      let finished = false;
      const releasing = release('20170701');
      void releasing.then(() => (finished = true));
      await sleep(11_000);
      expect(finished).toBe(false);
      await writeFile(gate, '');
      await expectReleased(await releasing, '20170701', held, large);
    },
  );

  it.skipIf(TEST_STORE !== 'postgres')('on PostgreSQL, skips the gap of another date at once: the file in hand locks only its own rows', { timeout: 90_000 }, async () => {
    const { held, large } = await holdAndStartLarge('201708');
    const result = await release('20170801');
    expect((await daemon.ledger('acme')).find((row) => row.name === large)?.state).toBe('processing'); // still in hand
    await writeFile(gate, '');
    await expectReleased(result, '20170801', held, large);
  });
});
