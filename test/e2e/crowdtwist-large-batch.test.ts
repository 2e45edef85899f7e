/**
 * A CrowdTwist batch past WORKER_MIN_BYTES is read and checked in a worker thread: what it
 * stores, refuses and answers is what the same requests get inline, and a refusal of the whole
 * file still names its place and stores nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WORKER_MIN_BYTES } from '../../src/formats/crowdtwist-pos/checked-elements.js';
import { TestDaemon, type TestPartner } from '../support/daemon.js';
import { download, purchase, query, receiptWhen, upload } from '../support/pos-batches.js';

const json = (value: unknown) => JSON.stringify(value);

describe('a CrowdTwist batch large enough to be checked in a worker thread', () => {
  let daemon: TestDaemon;
  let shop: TestPartner;
  let counter = 0;
  const nextName = (tail: string) => `201803${String(++counter).padStart(2, '0')}_0001_78_pos_${tail}.json`;
  const stored = async (prefix: string) =>
    (await query<{ n: number }>(daemon, "SELECT count(*) AS n FROM crowdtwist_purchases WHERE partner_id = 'shop' AND receipt_id LIKE ?", `${prefix}%`))[0]?.n;

  /** `count` good purchases `<prefix>-<n>`, enough of them to pass WORKER_MIN_BYTES. */
  const padding = (prefix: string, count: number) => Array.from({ length: count }, (_, n) => json(purchase(`${prefix}-${n}`)));
  const padCount = Math.ceil(WORKER_MIN_BYTES / json(purchase('pad-00000')).length) + 100;

  beforeAll(async () => {
    daemon = await TestDaemon.start();
    shop = await daemon.addPartner({ id: 'shop', clientId: '78' });
  });
  afterAll(() => daemon.destroy());

  it('stores the good requests and answers each bad one, those checked against the store included, in file order', async () => {
    const early = nextName('early');
    await upload(daemon, shop, early, `{"pos_data": [${json(purchase('seen-1'))}]}\n`);
    await receiptWhen(daemon, 'shop', early, 'processed');

    // The bad requests stand among the good ones, the last of them past the first batches.
    const pad = padding('big', Math.max(padCount, 4000));
    const bad = {
      100: json({ type: 'refund', data: { receipt_id: 'big-1' } }),
      2000: json(purchase('seen-1')),
      3000: json({ type: 'return', data: { receipt_id: 'big-5', return_id: 'r-1', date_returned: '2017-05-09T10:00:00Z', items: [{ sku: 'nope', quantity: 1 }] } }),
      3001: json({ type: 'return', data: { receipt_id: 'big-5', return_id: 'r-2', date_returned: '2017-05-09T10:00:00Z', items: [{ sku: 'sku_1', quantity: 1 }] } }),
      3500: json(purchase('big-bad')).replace('"user_id":46038266', '"user_id":12345678901234567890'),
    } as Record<number, string>;
    const requests: string[] = [];
    for (let i = 0, next = 0; requests.length < pad.length + Object.keys(bad).length; i += 1) {
      requests.push(bad[i] ?? (pad[next++] as string));
    }
    const content = `{"pos_data": [\n${requests.join(',\n')}\n]}\n`;
    expect(Buffer.byteLength(content)).toBeGreaterThan(WORKER_MIN_BYTES);
    const name = nextName('big');
    await upload(daemon, shop, name, content);

    const receipt = await receiptWhen(daemon, 'shop', name, 'processed', 50_000);
    expect(receipt.counts).toEqual({ total: requests.length, accepted: requests.length - 4, failed: 3, duplicates: 1 });
    const errors = JSON.parse(await download(daemon, shop, `${name}.errors.json`)) as { failed_requests: { index: number; errors: { field: string; code: string }[] }[] };
    expect(errors.failed_requests.map((entry) => [entry.index, entry.errors.map((e) => `${e.field}: ${e.code}`)])).toEqual([
      [100, ['type: unknown_type']],
      [2000, ['data.receipt_id: duplicate_receipt_id']],
      [3000, [expect.stringMatching(/^data\.items\[0\]\.sku: /)]],
      [3500, ['data.user_id: unsafe_integer']],
    ]);
    expect(await stored('big-')).toBe(pad.length);
    expect(await query(daemon, "SELECT return_id, position FROM crowdtwist_returns WHERE partner_id = 'shop'")).toEqual([{ return_id: 'r-2', position: 3001 }]);
    const retry = await download(daemon, shop, `${name}.retry.json`);
    expect(retry).toBe(`{"pos_data":[\n${[bad[100], bad[3000], bad[3500]].join(',\n')}\n]}\n`);
  });

  it('refuses a large file with a byte that is not UTF-8 far into it, naming the offset, and stores none of it', async () => {
    const text = `{"pos_data": [\n${padding('latin', padCount).join(',\n')}\n]}\n`;
    const at = text.lastIndexOf('store1');
    const bytes = Buffer.concat([Buffer.from(text.slice(0, at)), Buffer.from([0xc3, 0x28]), Buffer.from(text.slice(at))]);
    const name = nextName('latin');
    await upload(daemon, shop, name, bytes);
    const receipt = await receiptWhen(daemon, 'shop', name, 'rejected', 60_000);
    expect((receipt.reason as { code: string }).code).toBe('not_utf8');
    expect((receipt.reason as { message: string }).message).toContain(`the byte at offset ${Buffer.byteLength(text.slice(0, at))} `);
    expect(await stored('latin-')).toBe(0);
  });

  it('refuses a large truncated file with line and column, and stores none of its good requests', async () => {
    const text = `{"pos_data": [\n${padding('cut', padCount).join(',\n')}\n]}\n`;
    const name = nextName('cut');
    await upload(daemon, shop, name, text.slice(0, text.lastIndexOf('"coupons"')));
    const receipt = await receiptWhen(daemon, 'shop', name, 'rejected', 60_000);
    expect(receipt.reason).toMatchObject({ code: 'unparseable' });
    expect((receipt.reason as { message: string }).message).toMatch(/\(line \d+, column \d+\)$/);
    expect(await stored('cut-')).toBe(0);
  });
});
