import { writeFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { posdrop } from '../support/cli.js';
import { TestDaemon, type TestPartner } from '../support/daemon.js';
import { csvRows, drop, fetchJson, fetchOutbox } from '../support/drop.js';

const PBJ_HEADER = 'ORDER_ID,DRAW_NO,CUSTOMER_ID,PRODUCT,QUANTITY,AMOUNT,PAYMENT_METHOD,SALE_DATE\n';

describe('/validate and posdrop check for the delimited formats', () => {
  let daemon: TestDaemon;
  let partner: TestPartner;

  const count = async (sql: string) => Number(await daemon.value(sql));

  beforeAll(async () => {
    daemon = await TestDaemon.start({ clienttoolbox: { shop: { create_new_customers: true, campaigns: [{ id: 'P1', type: 'points' }] } } });
    partner = await daemon.addPartner({ id: 'shop', channels: ['direct-mail'] });
  });
  afterAll(() => daemon.destroy());

  it('checks a Carma file in /validate: same answers under .dry-run, nothing stored', async () => {
    const name = 'purchasehistory_V1_check.csv';
    const receipt = await drop(daemon, partner, name, 'v-1;S;1.00\nv-2;S;x\n', 'validate');
    expect(receipt).toMatchObject({ state: 'processed', dry_run: true, counts: { total: 2, accepted: 1, failed: 1, duplicates: 0 } });
    expect(await fetchJson(daemon, partner, `${name}.dry-run.status.json`)).toMatchObject({ status: 'FINISHED', processed: 1, total: 2 });
    expect(csvRows(await fetchOutbox(daemon, partner, `${name}.dry-run.errors.csv`))[1]?.slice(0, 4)).toEqual(['2', 'item_price', 'x', 'invalid_amount']);
    expect(await count('SELECT count(*) FROM carma_purchases')).toBe(0);
    expect(await count('SELECT count(*) FROM files')).toBe(0);
  });

  it('checks a Toolbox file in /validate without touching the ledger', async () => {
    const name = 'transactions_20261101_check.psv';
    const receipt = await drop(daemon, partner, name, 'campaign_id|code|redeemed|amount\nP1|c1|N|10\nP1|c1|Y|50\n', 'validate');
    expect(receipt).toMatchObject({ state: 'processed', dry_run: true, counts: { accepted: 1, failed: 1 } });
    expect(await fetchOutbox(daemon, partner, `${name}.dry-run.result.xml`)).toContain('<batch status="partially_imported">');
    expect((await count('SELECT count(*) FROM toolbox_entries')) + (await count('SELECT count(*) FROM toolbox_customers'))).toBe(0);
  });

  it('posdrop check validates a PBJ file without using up its name', async () => {
    const name = 'direct-mail_01-11-2026_1.csv';
    const local = daemon.path(name);
    await writeFile(local, `${PBJ_HEADER}1,1,C1,Ticket,1,2.50,card,2026-11-01\n`);
    const checked = await posdrop(daemon, ['check', local, '--partner', 'shop', '--json']);
    expect(checked.code, checked.stderr).toBe(0);
    expect(JSON.parse(checked.stdout)).toMatchObject({ state: 'processed', format: 'pbj-offline-sales', counts: { total: 1, accepted: 1 } });
    expect(await fetchJson(daemon, partner, `${name}.dry-run.result.json`)).toEqual({ result: 1 });
    expect((await daemon.receipt('shop', `${name}.dry-run`)).dry_run).toBe(true);
    // checked twice, still not "already uploaded"; then really sent, it is accepted
    expect((await posdrop(daemon, ['check', local, '--partner', 'shop'])).code).toBe(0);
    const sent = await drop(daemon, partner, name, `${PBJ_HEADER}1,1,C1,Ticket,1,2.50,card,2026-11-01\n`);
    expect(sent.state).toBe('processed');
    const again = await posdrop(daemon, ['check', local, '--partner', 'shop', '--json']);
    expect(again.code).toBe(1);
    expect(JSON.parse(again.stdout)).toMatchObject({ state: 'rejected', reason: { code: 'name_used' } });
  });

  it('posdrop check refuses a bad name with the accepted patterns', async () => {
    const local = daemon.path('sales.xlsx');
    await writeFile(local, 'x\n');
    const checked = await posdrop(daemon, ['check', local, '--partner', 'shop', '--json']);
    expect(checked.code).toBe(1);
    expect(JSON.parse(checked.stdout)).toMatchObject({ state: 'rejected', reason: { code: 'name_unrecognised' } });
  });
});
