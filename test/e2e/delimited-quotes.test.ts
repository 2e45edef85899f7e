/**
 * A `"` in a text cell, sent as partners send it over OpenSSH sftp: in Carma and Client Toolbox
 * files it is data (their guides know no quoting); in PBJ's CSV a broken quote costs its own line
 * only. Whatever the quotes, every physical line is counted.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestDaemon, type TestPartner } from '../support/daemon.js';
import { drop, fetchJson } from '../support/drop.js';

const PBJ_HEADER = 'ORDER_ID,DRAW_NO,CUSTOMER_ID,PRODUCT,QUANTITY,AMOUNT,PAYMENT_METHOD,SALE_DATE';

describe('quote characters in delimited files', () => {
  let daemon: TestDaemon;
  let carma: TestPartner;
  let toolbox: TestPartner;
  let pbj: TestPartner;

  const all = (sql: string, ...params: unknown[]) => daemon.rows(sql, ...params);

  beforeAll(async () => {
    daemon = await TestDaemon.start({ clienttoolbox: { shop: { create_new_customers: true, campaigns: [{ id: 'P1', type: 'points' }] } } });
    carma = await daemon.addPartner({ id: 'carma', formats: ['carma-purchase-history'] });
    toolbox = await daemon.addPartner({ id: 'shop', formats: ['clienttoolbox-transactions'] });
    pbj = await daemon.addPartner({ id: 'pbj', channels: ['direct-mail'], formats: ['pbj-offline-sales'] });
  });
  afterAll(() => daemon.destroy());

  it('stores every line of a Carma file after a quote that is never closed', async () => {
    const lines = Array.from({ length: 5001 }, (_, i) => `o-${i + 1};SKU-${i % 7};${(i % 90) + 1}.50`);
    lines[1200] = 'o-1201;SKU-3;4.50;;;;"gold member';
    const name = 'purchasehistory_Q1_open-quote.csv';
    const receipt = await drop(daemon, carma, name, `${lines.join('\n')}\n`);
    expect(receipt).toMatchObject({ state: 'processed', counts: { total: 5001, accepted: 5001, failed: 0, duplicates: 0 } });
    expect(await fetchJson(daemon, carma, `${name}.status.json`)).toMatchObject({ status: 'FINISHED', affected: 5001, processed: 5001, total: 5001 });
    expect(await all('SELECT count(*) AS n FROM carma_purchases WHERE list_id = ?', 'Q1')).toEqual([{ n: 5001 }]);
    expect(await all('SELECT original_id, custom FROM carma_purchases WHERE list_id = ? AND line IN (1201, 1202) ORDER BY line', 'Q1')).toEqual([
      { original_id: 'o-1201', custom: '{"column2":"\\"gold member"}' },
      { original_id: 'o-1202', custom: null },
    ]);
  });

  it('takes a Carma cell with an inch mark as it is written', async () => {
    const name = 'purchasehistory_Q2_inch.csv';
    const receipt = await drop(daemon, carma, name, 'o-1;TV 5" screen;99.00\no-2;"quoted";1.00\n');
    expect(receipt).toMatchObject({ state: 'processed', counts: { total: 2, accepted: 2, failed: 0 } });
    expect(await all('SELECT sku FROM carma_purchases WHERE list_id = ? ORDER BY line', 'Q2')).toEqual([{ sku: 'TV 5" screen' }, { sku: '"quoted"' }]);
  });

  it('posts every line of a Client Toolbox batch after an authorization with a quote', async () => {
    const name = 'transactions_20261101_quote.psv';
    const body = ['campaign_id|code|redeemed|amount|date|authorization', 'P1|c1|N|10|2026-11-01|said "ok', 'P1|c1|N|5|2026-11-01|till 2', 'P1|c2|N|7|2026-11-01|till 3', 'P1|c1|Y|3|2026-11-01|"gift"'];
    const receipt = await drop(daemon, toolbox, name, `${body.join('\n')}\n`);
    expect(receipt).toMatchObject({ state: 'processed', counts: { total: 4, accepted: 4, failed: 0, duplicates: 0 } });
    expect(await all('SELECT line, code, "authorization" FROM toolbox_entries WHERE partner_id = ? ORDER BY line', 'shop')).toEqual([
      { line: 2, code: 'c1', authorization: 'said "ok' },
      { line: 3, code: 'c1', authorization: 'till 2' },
      { line: 4, code: 'c2', authorization: 'till 3' },
      { line: 5, code: 'c1', authorization: '"gift"' },
    ]);
  });

  it('lets a broken quote in a PBJ file cost its own line only, and reads quoted cells', async () => {
    const name = 'direct-mail_01-11-2026_q.csv';
    const body = [PBJ_HEADER, '1,7,C1,"Ticket, big",1,2.50,card,2026-11-01', '2,7,C2,"Ticket,1,2.50,card,2026-11-01', '3,7,C3,Ticket,1,2.50,card,2026-11-01', '4,7,C4,5" Ticket,1,2.50,card,2026-11-01'];
    const receipt = await drop(daemon, pbj, name, `${body.join('\n')}\n`);
    expect(receipt).toMatchObject({ state: 'rejected', counts: { total: 4, accepted: 0, failed: 2 } });
    const answer = (await fetchJson(daemon, pbj, `${name}.result.json`)) as { error: { extended: { errors: { line: number; messages: string[] }[] } } };
    const { errors } = answer.error.extended;
    expect(errors.map((error) => error.line)).toEqual([3, 5]);
    expect(errors[0]?.messages.join(' ')).toMatch(/quoted field that is not closed on the line/);

    const fixed = 'direct-mail_01-11-2026_r.csv';
    const good = await drop(daemon, pbj, fixed, `${[PBJ_HEADER, '11,7,C1,"Ticket, big",1,2.50,card,2026-11-01', '12,7,C2,"5"" Ticket",1,2.50,card,2026-11-01'].join('\n')}\n`);
    expect(good).toMatchObject({ state: 'processed', counts: { total: 2, accepted: 2 } });
    expect(await all('SELECT product FROM pbj_sales WHERE order_id IN (11, 12) ORDER BY order_id')).toEqual([{ product: 'Ticket, big' }, { product: '5" Ticket' }]);
  });
});
