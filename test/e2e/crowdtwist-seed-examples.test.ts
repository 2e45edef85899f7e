import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestDaemon, type TestPartner } from '../support/daemon.js';
import { cli, download, fixture, query, receiptWhen, upload } from '../support/pos-batches.js';

describe("the specification's own examples, sent by a partner", () => {
  let daemon: TestDaemon;
  let first: TestPartner;
  let second: TestPartner;

  beforeAll(async () => {
    daemon = await TestDaemon.start();
    first = await daemon.addPartner({ id: 'seed-one', clientId: '12' });
    second = await daemon.addPartner({ id: 'seed-two', clientId: '12' });
  });
  afterAll(() => daemon.destroy());

  it('stores receipt1-0510 of the definition sample once and answers its second copy as a duplicate', async () => {
    const name = '20170623_0001_12_pos_definition.json';
    const text = await fixture('seed-definition-sample.json');
    await upload(daemon, first, name, text);

    const receipt = await receiptWhen(daemon, 'seed-one', name, 'processed');
    expect(receipt.counts).toEqual({ total: 2, accepted: 1, failed: 0, duplicates: 1 });
    // The copy is a duplicate: in the error log, not in a retry file (sending it again cannot help).
    expect(receipt.outputs).toEqual([`${name}.errors.json`]);

    const errors = JSON.parse(await download(daemon, first, `${name}.errors.json`)) as Record<string, unknown>;
    const secondCopy = text.slice(text.indexOf('{', text.indexOf('},\n    {') + 1), text.lastIndexOf('\n  ]'));
    expect(errors).toEqual({
      file: name,
      failed: 1,
      failed_requests: [
        {
          index: 1,
          receipt_id: 'receipt1-0510',
          type: 'purchase',
          errors: [{ field: 'data.receipt_id', code: 'duplicate_receipt_id', message: expect.stringContaining('already stored') }],
          request: JSON.parse(secondCopy),
        },
      ],
    });
    await expect(download(daemon, first, `${name}.retry.json`)).rejects.toThrow();

    const stored = await query(daemon, "SELECT receipt_id, position, user_id, total FROM crowdtwist_purchases WHERE partner_id = 'seed-one'");
    expect(stored).toEqual([{ receipt_id: 'receipt1-0510', position: 0, user_id: 46038266, total: 119.64 }]);
    const children = await query(daemon, 'SELECT (SELECT count(*) FROM crowdtwist_items) AS items, (SELECT count(*) FROM crowdtwist_tenders) AS tenders');
    expect(children).toEqual([{ items: 2, tenders: 2 }]);
    expect(await query(daemon, 'SELECT code FROM crowdtwist_coupons ORDER BY line')).toEqual([{ code: '86300822933634341429' }, { code: 'coupon123789' }]);

    const shown = await cli(daemon, 'errors', name, '--json');
    expect(JSON.parse(shown.stdout)).toMatchObject({
      name,
      state: 'processed',
      errors: [{ position: 1, key: 'receipt1-0510', field: 'data.receipt_id', code: 'duplicate_receipt_id' }],
    });
  });

  it('stores both purchases of the complete example, totals that do not add up included', async () => {
    const name = '20170623_0001_12_pos_example.json';
    await upload(daemon, second, name, await fixture('seed-example.json'));

    const receipt = await receiptWhen(daemon, 'seed-two', name, 'processed');
    expect(receipt.counts).toEqual({ total: 2, accepted: 2, failed: 0, duplicates: 0 });
    expect(receipt.outputs).toBeUndefined();
    expect(await daemon.outbox('seed-two')).toEqual([`${name}.receipt.json`]);

    const items = await query(
      daemon,
      `SELECT p.receipt_id, i.line, i.sku, i.quantity, i.is_awaiting_fulfillment, i.transaction_id, i.custom_data
       FROM crowdtwist_items i JOIN crowdtwist_purchases p ON p.id = i.purchase_id
       WHERE p.partner_id = 'seed-two' ORDER BY p.position, i.line`,
    );
    expect(items).toEqual([
      { receipt_id: 'receipt1-0510', line: 0, sku: 'sku_1', quantity: 2, is_awaiting_fulfillment: 0, transaction_id: 2, custom_data: '{"color":"blue","size":"Medium"}' },
      { receipt_id: 'receipt1-0510', line: 1, sku: 'sku_2', quantity: 1, is_awaiting_fulfillment: 0, transaction_id: 1, custom_data: '{"color":"blue","size":"Medium"}' },
      { receipt_id: 'receipt2-0510', line: 0, sku: 'sku_1', quantity: 2, is_awaiting_fulfillment: 1, transaction_id: 2, custom_data: '{"color":"blue","size":"Medium"}' },
    ]);
  });

  it('refuses the definition sample as published, with its no-break spaces, naming line and column', async () => {
    const name = '20170624_0001_12_pos_as-published.json';
    await upload(daemon, second, name, await fixture('seed-definition-sample-as-published.json'));
    const receipt = await receiptWhen(daemon, 'seed-two', name, 'rejected');
    expect(receipt.reason).toMatchObject({ code: 'unparseable', message: expect.stringMatching(/\(line 3, column 1\)$/) });
    expect(receipt.counts).toBeNull();
  });
});
