import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestDaemon, waitFor, type TestPartner } from '../support/daemon.js';
import { sftpBatch } from '../support/clients.js';
import { batch, cli, download, purchase, query, receiptWhen, upload } from '../support/pos-batches.js';

const json = (value: unknown) => JSON.stringify(value);

describe('what a CrowdTwist batch holds decides what is stored and what comes back', () => {
  let daemon: TestDaemon;
  let shop: TestPartner;
  let counter = 0;
  /** Each file its own day, so that none waits for another. */
  const nextName = (tail: string) => `201706${String(++counter).padStart(2, '0')}_0001_77_pos_${tail}.json`;
  const purchases = async () => (await query<{ n: number }>(daemon, "SELECT count(*) AS n FROM crowdtwist_purchases WHERE partner_id = 'shop'"))[0]?.n;

  beforeAll(async () => {
    daemon = await TestDaemon.start();
    shop = await daemon.addPartner({ id: 'shop', clientId: '77' });
  });
  afterAll(() => daemon.destroy());

  async function refused(tail: string, content: string | Buffer): Promise<{ code: string; message: string }> {
    const name = nextName(tail);
    await upload(daemon, shop, name, content);
    const receipt = JSON.parse(await waitFor(async () => {
      const text = await download(daemon, shop, `${name}.receipt.json`);
      return (JSON.parse(text) as { state: string }).state === 'rejected' ? text : undefined;
    }, 30_000)) as { reason: { code: string; message: string } };
    return receipt.reason;
  }

  it('refuses a file that is not UTF-8, naming the byte offset', async () => {
    const good = batch(purchase('utf-1'));
    const at = good.indexOf('store1');
    const bytes = Buffer.concat([Buffer.from(good.slice(0, at)), Buffer.from([0xc3, 0x28]), Buffer.from(good.slice(at))]);
    const reason = await refused('latin', bytes);
    expect(reason.code).toBe('not_utf8');
    expect(reason.message).toContain(`the byte at offset ${Buffer.byteLength(good.slice(0, at))} `);
    expect(await purchases()).toBe(0);
  });

  it('takes a file that starts with a BOM', async () => {
    const name = nextName('bom');
    await upload(daemon, shop, name, `\ufeff${batch(purchase('bom-1'))}`);
    expect((await receiptWhen(daemon, 'shop', name, 'processed')).counts).toMatchObject({ accepted: 1 });
  });

  it('refuses a truncated file with line and column, and stores none of its good requests', async () => {
    const before = await purchases();
    const whole = batch(purchase('cut-1'), purchase('cut-2'), purchase('cut-3'));
    const reason = await refused('cut', whole.slice(0, whole.lastIndexOf('"coupons"')));
    expect(reason.code).toBe('unparseable');
    expect(reason.message).toMatch(/^the JSON ends early \(the file may be truncated\): the JSON is not closed \(line \d+, column \d+\)$/);
    expect(await purchases()).toBe(before);
  });

  it('refuses malformed JSON with line and column', async () => {
    const reason = await refused('broken', '{"pos_data": [\n  {"type": "purchase", "data": {"receipt_id": "x",}}\n]}\n');
    expect(reason).toEqual({
      code: 'unparseable',
      message: "malformed JSON in pos_data[0]: expected a property name in double quotes, found '}' (line 2, column 51)",
    });
  });

  it('refuses nesting deeper than the cap, and an overlong string', async () => {
    const deep = await refused('deep', `{"pos_data": [${json(purchase('deep-1')).slice(0, -2)},"custom_data":${'{"a":'.repeat(40)}1${'}'.repeat(40)}}}]}`);
    expect(deep.code).toBe('too_deep');
    expect(deep.message).toMatch(/^the JSON is nested deeper than 32 levels in pos_data\[0\] \(line 1, column \d+\)$/);
    const long = await refused('long', batch(purchase('long-1', { order_id: 'x'.repeat(70_000) })));
    expect(long.code).toBe('too_large');
    expect(long.message).toMatch(/^a string longer than 65536 characters in pos_data\[0\]/);
  });

  it('refuses an element longer than crowdtwist.max_record_chars, and stores none of the file', async () => {
    const before = await purchases();
    const items = Array.from({ length: 30_000 }, (_, line) => ({ sku: `sku_${line}`, price: 1.25, quantity: 1 }));
    const reason = await refused('huge', `{"pos_data": [\n${json(purchase('huge-1'))},\n${json(purchase('huge-2', { items }))}\n]}\n`);
    expect(reason.code).toBe('too_large');
    expect(reason.message).toBe('pos_data[1] is longer than 1048576 characters (line 3, column 1)');
    expect(await purchases()).toBe(before);
  });

  it('wants pos_data as the first key', async () => {
    const reason = await refused('order', json({ version: 2, pos_data: [purchase('first-1')] }));
    expect(reason.message).toBe('pos_data must be the first key of the JSON object, but the first key is "version" (line 1, column 2)');
  });

  it('stores the good requests and answers each bad one with its index, field and code', async () => {
    const requests = [
      json({ ...purchase('mix-1', { items: [{ sku: 'a', price: 5, quantity: 2 }, { sku: 'b', price: 9, quantity: 1, is_awaiting_fulfillment: true }], loyalty: { tier: 'gold' } }), source: 'till-4' }),
      json({ type: 'return', data: { receipt_id: 'mix-1', return_id: 'ret-1', date_returned: '2017-05-09T10:00:00Z', items: [{ sku: 'a', quantity: 1 }] } }),
      json({ type: 'return', data: { receipt_id: 'mix-1', return_id: 'ret-2', date_returned: '2017-05-09T11:00:00Z', items: [{ sku: 'a', quantity: 2 }] } }),
      json({ type: 'fulfillment', data: { receipt_id: 'mix-1', fulfillment_id: 'ful-1', date_fulfilled: '2017-05-10T10:00:00Z', items: [{ sku: 'a', quantity: 1 }] } }),
      json({ type: 'return', data: { receipt_id: 'nobody', return_id: 'ret-3', date_returned: '2017-05-09T10:00:00Z', items: [{ sku: 'a', quantity: 1 }] } }),
      json({ type: 'refund', data: { receipt_id: 'mix-1' } }),
      json(purchase('mix-7')).replace('"user_id":46038266', '"user_id":12345678901234567890'),
      json(purchase('mix-8', { order_id: undefined, items: [{ sku: 'a', price: 1, quantity: '2' }] })),
      json(purchase('mix-9')).replace('"order_id":', '"order_id":"first","order_id":'),
      json({ type: 'fulfillment', data: { receipt_id: 'mix-1', fulfillment_id: 'ful-2', date_fulfilled: '2017-05-10T10:00:00Z', items: [{ sku: 'b', quantity: 1 }] } }),
      json(purchase('mix-11')).replace('"quantity":2', '"quantity":1e20').replace('"total":119.64', '"total":1e400'),
    ];
    const name = nextName('mixed');
    await upload(daemon, shop, name, `{"pos_data": [\n${requests.join(',\n')}\n]}\n`);

    const receipt = await receiptWhen(daemon, 'shop', name, 'processed');
    expect(receipt.counts).toEqual({ total: 11, accepted: 3, failed: 8, duplicates: 0 });
    const errorsText = await download(daemon, shop, `${name}.errors.json`);
    const errors = JSON.parse(errorsText) as { failed_requests: { index: number; receipt_id: string | null; type: string | null; errors: { field: string; code: string }[] }[] };
    expect(errors.failed_requests.map((entry) => [entry.index, entry.receipt_id, entry.type, entry.errors.map((e) => `${e.field}: ${e.code}`)])).toEqual([
      [2, 'mix-1', 'return', ['data.items[0].quantity: over_return']],
      [3, 'mix-1', 'fulfillment', ['data.items[0].sku: not_awaiting_fulfillment']],
      [4, 'nobody', 'return', ['data.receipt_id: unknown_receipt_id']],
      [5, 'mix-1', 'refund', ['type: unknown_type']],
      [6, 'mix-7', 'purchase', ['data.user_id: unsafe_integer']],
      [7, 'mix-8', 'purchase', ['data.order_id: missing_field', 'data.items[0].quantity: invalid_type']],
      [8, 'mix-9', 'purchase', ['data.order_id: duplicate_key']],
      [10, 'mix-11', 'purchase', ['data.total: invalid_value', 'data.items[0].quantity: invalid_value']],
    ]);
    expect(errorsText).toContain(`"request":${requests[6]}}`);
    expect(errorsText).toContain('data.user_id is 12345678901234567890, beyond');

    const retry = await download(daemon, shop, `${name}.retry.json`);
    expect(retry).toBe(`{"pos_data":[\n${[...requests.slice(2, 9), requests[10]].join(',\n')}\n]}\n`);

    expect(await query(daemon, "SELECT receipt_id, extra, request_extra FROM crowdtwist_purchases WHERE receipt_id LIKE 'mix-%'")).toEqual([
      { receipt_id: 'mix-1', extra: '{"loyalty":{"tier":"gold"}}', request_extra: '{"source":"till-4"}' },
    ]);
    expect(await query(daemon, "SELECT return_id, position FROM crowdtwist_returns WHERE partner_id = 'shop'")).toEqual([{ return_id: 'ret-1', position: 1 }]);
    expect(await query(daemon, "SELECT fulfillment_id, position FROM crowdtwist_fulfillments WHERE partner_id = 'shop'")).toEqual([{ fulfillment_id: 'ful-2', position: 9 }]);

    // The operator sees what the partner got, the requests byte for byte, long after the outbox is cleared.
    await rm(daemon.path('partners', 'shop', 'outbox', `${name}.errors.json`));
    const shown = await cli(daemon, 'errors', name, '--json');
    expect(JSON.parse(shown.stdout)).toMatchObject({ name, failed_requests: JSON.parse(errorsText).failed_requests });
    expect(shown.stdout).toContain(`"request": ${requests[6]}`);
    const listed = await cli(daemon, 'errors', name);
    expect(listed.stdout).toMatch(/\n6 +mix-7 +purchase +data\.user_id +unsafe_integer +12345678901234567890 +data\.user_id is 12345678901234567890/);
    expect(listed.stdout).toMatch(/\n5 +mix-1 +refund +type +unknown_type /);
    expect(listed.stdout).toContain('requests as sent (cut to 100 characters; --json gives them whole):\n');
    expect(listed.stdout).toContain(`\n6   ${requests[6]?.slice(0, 99)}…\n`);
  });

  it('answers fulfillments of a sku not bought, beyond what awaits, or sent twice, each with its code', async () => {
    const fulfill = (id: string, sku: string, quantity: number) =>
      json({ type: 'fulfillment', data: { receipt_id: 'ful-p1', fulfillment_id: id, date_fulfilled: '2017-05-10T10:00:00Z', items: [{ sku, quantity }] } });
    const requests = [
      json(purchase('ful-p1', { items: [{ sku: 'a', price: 5, quantity: 1 }, { sku: 'b', price: 9, quantity: 2, is_awaiting_fulfillment: true }] })),
      fulfill('ful-ok', 'b', 1),
      fulfill('ful-ok', 'b', 1),
      fulfill('ful-sku', 'zz', 1),
      fulfill('ful-over', 'b', 2),
    ];
    const name = nextName('fulfillments');
    await upload(daemon, shop, name, `{"pos_data": [\n${requests.join(',\n')}\n]}\n`);

    expect((await receiptWhen(daemon, 'shop', name, 'processed')).counts).toEqual({ total: 5, accepted: 2, failed: 2, duplicates: 1 });
    const errors = JSON.parse(await download(daemon, shop, `${name}.errors.json`)) as { failed_requests: { index: number; errors: unknown[] }[] };
    expect(errors.failed_requests.map((entry) => [entry.index, entry.errors])).toEqual([
      [2, [{ field: 'data.fulfillment_id', code: 'duplicate_fulfillment_id', message: 'fulfillment_id "ful-ok" is already stored (from an earlier request or file); each fulfillment is accepted once' }]],
      [3, [{ field: 'data.items[0].sku', code: 'unknown_sku', message: 'zz was not bought in receipt ful-p1' }]],
      [4, [{ field: 'data.items[0].quantity', code: 'not_awaiting_fulfillment', message: 'fulfills 2 of b, but receipt ful-p1 has 1 awaiting fulfillment (2 bought awaiting it, 1 fulfilled before)' }]],
    ]);
    expect(await query(daemon, "SELECT fulfillment_id, position FROM crowdtwist_fulfillments WHERE receipt_id = 'ful-p1'")).toEqual([{ fulfillment_id: 'ful-ok', position: 1 }]);
  });

  it('stores unknown fields of items, tenders and return items as written, and lets nothing inside them fail a request', async () => {
    const bought = json(purchase('extra-1', { items: [{ sku: 'a', price: 5, quantity: 2 }], tenders: [{ type: 1, amount: 10 }] }))
      .replace('"quantity":2}', '"quantity":2, "gift" : { "wrap": true,  "cost": 1.50 }, "serial":12345678901234567890}')
      .replace('"amount":10}', '"amount":10,"card":{"bin":"411111","fee":0.10,"fee":0.20},"terminal":7.0E+0}');
    const returned = json({ type: 'return', data: { receipt_id: 'extra-1', return_id: 'extra-r1', date_returned: '2017-05-09T10:00:00Z', items: [{ sku: 'a', quantity: 1 }] } })
      .replace('"quantity":1}', '"quantity":1,"reason":"too small","restock":1.00}');
    const name = nextName('extras');
    await upload(daemon, shop, name, `{"pos_data": [\n${bought},\n${returned}\n]}\n`);

    expect((await receiptWhen(daemon, 'shop', name, 'processed')).counts).toEqual({ total: 2, accepted: 2, failed: 0, duplicates: 0 });
    const item = `SELECT i.extra FROM crowdtwist_items i JOIN crowdtwist_purchases p ON p.id = i.purchase_id WHERE p.receipt_id = 'extra-1'`;
    expect(await query(daemon, item)).toEqual([{ extra: '{"gift":{ "wrap": true,  "cost": 1.50 },"serial":12345678901234567890}' }]);
    const tender = `SELECT t.extra FROM crowdtwist_tenders t JOIN crowdtwist_purchases p ON p.id = t.purchase_id WHERE p.receipt_id = 'extra-1'`;
    expect(await query(daemon, tender)).toEqual([{ extra: '{"card":{"bin":"411111","fee":0.10,"fee":0.20},"terminal":7.0E+0}' }]);
    const returnItem = `SELECT i.extra FROM crowdtwist_return_items i JOIN crowdtwist_returns r ON r.id = i.return_row WHERE r.return_id = 'extra-r1'`;
    expect(await query(daemon, returnItem)).toEqual([{ extra: '{"reason":"too small","restock":1.00}' }]);
  });

  it('checks a file sent to /validate the same way, and stores nothing', async () => {
    const name = nextName('check');
    const local = daemon.path(name);
    const { writeFile } = await import('node:fs/promises');
    await writeFile(local, batch(purchase('dry-1'), purchase('dry-1')));
    expect((await sftpBatch(daemon.port, shop, [`put ${local} /validate/${name}`])).code).toBe(0);
    const receipt = await waitFor(async () => JSON.parse(await download(daemon, shop, `${name}.dry-run.receipt.json`)) as Record<string, unknown>, 30_000);
    expect(receipt).toMatchObject({ state: 'processed', dry_run: true, counts: { total: 2, accepted: 1, failed: 0, duplicates: 1 } });
    // The second dry-1 is a duplicate: listed in the error log, never asked for again.
    expect(await download(daemon, shop, `${name}.dry-run.errors.json`)).toContain('"duplicate_receipt_id"');
    expect((receipt.outputs as string[]).some((output) => output.endsWith('.retry.json'))).toBe(false);
    expect(await query(daemon, "SELECT count(*) AS n FROM crowdtwist_purchases WHERE receipt_id = 'dry-1'")).toEqual([{ n: 0 }]);
  });
});
