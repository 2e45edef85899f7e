/**
 * `posdrop reprocess` with the real CrowdTwist format: the file's own stored requests are
 * accepted again (its answer is the first run's), a request another file stored is a duplicate
 * and never failed, and the retry file never asks for a request that is stored.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configFile } from '../support/cli.js';
import { run, type BatchResult } from '../support/clients.js';
import { TestDaemon, type TestPartner } from '../support/daemon.js';
import { drop } from '../support/drop.js';
import { posName } from '../support/names.js';
import { batch, download, purchase } from '../support/pos-batches.js';

const BIN = path.resolve(import.meta.dirname, '../../bin/posdrop.js');

describe('posdrop reprocess of a CrowdTwist batch', () => {
  let daemon: TestDaemon;
  let acme: TestPartner;
  const cli = async (...args: string[]): Promise<BatchResult> => run(process.execPath, [BIN, ...args, '--config', await configFile(daemon)]);
  const outbox = async () => (await daemon.outbox('acme')).filter((name) => !name.endsWith('.receipt.json'));
  const receiptIds = (text: string) => (JSON.parse(text) as { pos_data: { data: { receipt_id?: string } }[] }).pos_data.map((request) => request.data.receipt_id ?? null);

  beforeAll(async () => {
    daemon = await TestDaemon.start();
    acme = await daemon.addPartner({ id: 'acme', clientId: '12' });
  });
  afterAll(() => daemon.destroy());

  it('keeps the accepted counts of a clean file and writes no retry file', async () => {
    const first = await drop(daemon, acme, posName(1), batch(purchase('c1'), purchase('c2')));
    expect(first.counts).toEqual({ total: 2, accepted: 2, failed: 0, duplicates: 0 });
    const again = await cli('reprocess', posName(1), '--json');
    expect(again.stderr).toBe('');
    expect(JSON.parse(again.stdout)).toMatchObject({ state: 'processed', counts: { total: 2, accepted: 2, failed: 0, duplicates: 0 } });
    const receipt = await daemon.receipt('acme', posName(1));
    expect(receipt).toMatchObject({ counts: { total: 2, accepted: 2, failed: 0, duplicates: 0 } });
    expect(receipt.outputs ?? []).toEqual([]);
    expect(await outbox()).toEqual([]);
  });

  it('answers a mixed file the same way twice: duplicates apart from failures, and only failures to send again', async () => {
    // c1 is the first file's (a duplicate), d1 is new, the third has no receipt_id, d1 again is a duplicate inside the file.
    const content = batch(purchase('c1'), purchase('d1'), { type: 'purchase', data: { user_id: 1 } }, purchase('d1'));
    const expected = { total: 4, accepted: 1, failed: 1, duplicates: 2 };
    const first = await drop(daemon, acme, posName(2), content);
    expect(first.counts).toEqual(expected);
    const answers = async () => ({
      retry: receiptIds(await download(daemon, acme, `${posName(2)}.retry.json`)),
      errors: (JSON.parse(await download(daemon, acme, `${posName(2)}.errors.json`)) as { failed_requests: { index: number; errors: { code: string }[] }[] }).failed_requests.map(
        (request) => [request.index, [...new Set(request.errors.map((error) => error.code))]],
      ),
    });
    const before = await answers();
    expect(before.retry).toEqual([null]);
    expect(before.errors).toEqual([
      [0, ['duplicate_receipt_id']],
      [2, ['missing_field']],
      [3, ['duplicate_receipt_id']],
    ]);

    const again = await cli('reprocess', posName(2), '--json');
    expect(JSON.parse(again.stdout)).toMatchObject({ state: 'processed', counts: expected });
    expect(await answers()).toEqual(before);
    expect(await daemon.rows("SELECT count(*) AS n FROM crowdtwist_purchases WHERE partner_id = 'acme'")).toEqual([{ n: 3 }]);
  });
});
