/**
 * PBJ as its guide words it, through the daemon with OpenSSH sftp: any `.csv` name is a sales
 * file (the convention is a suggestion), the sales go to the channel the name starts with or to
 * the partner's default channel, a refused name gets PBJ's 400 body, the answer of an accepted
 * name is never overwritten by a later upload of that name, and a column PBJ does not know is
 * ignored with a warning.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestDaemon, type TestPartner, NAMES_JUDGED_BY_PIPELINE } from '../support/daemon.js';
import { drop, fetchJson } from '../support/drop.js';

const HEADER = 'ORDER_ID,DRAW_NO,CUSTOMER_ID,PRODUCT,QUANTITY,AMOUNT,PAYMENT_METHOD,SALE_DATE\n';
const sale = (order: number) => `${order},7,C1,Ticket,1,2.50,card,2020-04-20\n`;

describe('PBJ names, channels, refusals and columns', () => {
  let daemon: TestDaemon;
  let jumbo: TestPartner;
  let mixed: TestPartner;

  beforeAll(async () => {
    daemon = await TestDaemon.start({ ...NAMES_JUDGED_BY_PIPELINE, clienttoolbox: { mixed: { create_new_customers: true, campaigns: [{ id: '12121', type: 'points' }] } } });
    jumbo = await daemon.addPartner({ id: 'jumbo', channels: ['charity_lotery', 'direct-mail'], formats: ['pbj-offline-sales'] });
    mixed = await daemon.addPartner({
      id: 'mixed',
      channels: ['shop'],
      formats: ['pbj-offline-sales', 'clienttoolbox-transactions', 'carma-purchase-history'],
    });
  });
  afterAll(() => daemon.destroy());

  const channelOf = (order: number) => daemon.value('SELECT channel FROM pbj_sales WHERE order_id = ?', order);

  it.each([
    ['sales.csv', 101, 'charity_lotery'],
    ['offline_sales_april.csv', 102, 'charity_lotery'],
    ['direct-mail_2020-04-20_1.csv', 103, 'direct-mail'],
    ['direct-mail_20-04-2020_1.CSV', 104, 'direct-mail'],
    ['SALES_APRIL.Csv', 105, 'charity_lotery'],
  ])('takes %s as PBJ sales, on the channel its name starts with or the default one', async (name, order, channel) => {
    const receipt = await drop(daemon, jumbo, name, HEADER + sale(order));
    expect(receipt).toMatchObject({ state: 'processed', format: 'pbj-offline-sales', name_fields: { channel } });
    expect(await fetchJson(daemon, jumbo, `${name}.result.json`)).toEqual({ result: 1 });
    expect(await channelOf(order)).toBe(channel);
  });

  it('leaves names of the stricter formats to them, and the receipt says which format took the file', async () => {
    const toolbox = await drop(daemon, mixed, 'transactions_20100315_1.csv', 'campaign_id,code,redeemed,amount\n12121,c1,N,10\n');
    expect(toolbox).toMatchObject({ state: 'processed', format: 'clienttoolbox-transactions', counts: { total: 1, accepted: 1 } });
    const carma = await drop(daemon, mixed, 'purchasehistory_L1_x.csv', 'C-1;SKU-1;20.50\n');
    expect(carma).toMatchObject({ state: 'processed', format: 'carma-purchase-history', counts: { total: 1, accepted: 1 } });
    const pbj = await drop(daemon, mixed, 'transactions.csv', HEADER + sale(201));
    expect(pbj).toMatchObject({ state: 'processed', format: 'pbj-offline-sales', name_fields: { channel: 'shop' } });
    // a Toolbox name that breaks the Toolbox rule is refused by it, not taken as PBJ
    const future = await drop(daemon, mixed, 'transactions_29991231_1.csv', HEADER + sale(202));
    expect(future).toMatchObject({ state: 'rejected', reason: { code: 'name_date_future' } });
  });

  it("answers a refused name with PBJ's 400 body as well as the receipt", async () => {
    const name = 'sales_april.xlsx';
    const receipt = await drop(daemon, jumbo, name, HEADER + sale(301));
    expect(receipt).toMatchObject({ state: 'rejected', reason: { code: 'name_unrecognised' } });
    const message = (receipt.reason as { message: string }).message;
    expect(message).toContain('<any>.csv, any case');
    expect(receipt.outputs).toEqual([`${name}.result.json`]);
    expect(await fetchJson(daemon, jumbo, `${name}.result.json`)).toEqual({ error: { code: 400, message } });
  });

  it('keeps the answer of the accepted file when the name is sent again, and answers the later upload beside it', async () => {
    const name = 'direct-mail_21-04-2020_1.csv';
    expect((await drop(daemon, jumbo, name, HEADER + sale(401) + sale(402))).state).toBe('processed');
    expect(await fetchJson(daemon, jumbo, `${name}.result.json`)).toEqual({ result: 2 });
    const again = await drop(daemon, jumbo, name, HEADER + sale(403));
    expect(again).toMatchObject({ state: 'rejected', reason: { code: 'name_used', message: 'This file has already been uploaded' } });
    const id = (await daemon.ledger('jumbo')).filter((row) => row.name === name).at(-1)?.id;
    expect(again.outputs).toEqual([`${name}.upload-${id}.result.json`]);
    expect(await fetchJson(daemon, jumbo, `${name}.upload-${id}.result.json`)).toEqual({ error: { code: 400, message: 'This file has already been uploaded' } });
    // the partner coming back to check finds the accepted file's answer where it was
    expect(await fetchJson(daemon, jumbo, `${name}.result.json`)).toEqual({ result: 2 });
    expect(await daemon.folder('jumbo', 'outbox')).toEqual(expect.arrayContaining([`${name}.result.json`, `${name}.upload-${id}.result.json`]));
  });

  it('ignores a column PBJ does not know, with a warning in the receipt', async () => {
    const name = 'direct-mail_22-04-2020_extra.csv';
    const receipt = await drop(daemon, jumbo, name, `${HEADER.trimEnd()},EXTRA\n501,7,C1,Ticket,1,2.50,card,2020-04-22,whatever\n`);
    expect(receipt).toMatchObject({ state: 'processed', counts: { total: 1, accepted: 1, failed: 0, duplicates: 0 } });
    expect(receipt.warnings).toEqual(['the header names a column this format does not know, ignored with its values: EXTRA (column 9)']);
    expect(await fetchJson(daemon, jumbo, `${name}.result.json`)).toEqual({ result: 1 });
  });

  it('still refuses a file whose header lacks a required column, naming it', async () => {
    const name = 'direct-mail_23-04-2020_short.csv';
    const header = 'ORDER_ID,CUSTOMER_ID,PRODUCT,QUANTITY,AMOUNT,PAYMENT_METHOD,SALE_DATE,EXTRA\n';
    const receipt = await drop(daemon, jumbo, name, `${header}601,C1,Ticket,1,2.50,card,2020-04-23,x\n`);
    expect(receipt).toMatchObject({ state: 'rejected', reason: { code: 'invalid_content' } });
    expect(receipt.warnings).toEqual([expect.stringContaining('EXTRA (column 8)')]);
    const result = (await fetchJson(daemon, jumbo, `${name}.result.json`)) as { error: { extended: { errors: unknown[] } } };
    expect(result.error.extended.errors).toEqual([{ line: 1, messages: ['the header has no column DRAW_NO'] }]);
  });
});
