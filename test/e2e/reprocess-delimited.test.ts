/**
 * `posdrop reprocess` with the real delimited formats: a file processed again finds what it
 * stored before (PBJ's own ORDER_IDs, a Toolbox batch's entries) and answers as it did, storing
 * nothing twice; only its lines that failed are read again.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configFile, posdrop } from '../support/cli.js';
import { run, type BatchResult } from '../support/clients.js';
import { TestDaemon, type TestPartner } from '../support/daemon.js';
import { drop, fetchJson, fetchOutbox } from '../support/drop.js';

const BIN = path.resolve(import.meta.dirname, '../../bin/posdrop.js');
const PBJ_HEADER = 'ORDER_ID,DRAW_NO,CUSTOMER_ID,PRODUCT,QUANTITY,AMOUNT,PAYMENT_METHOD,SALE_DATE\n';

describe('posdrop reprocess of delimited files', () => {
  let daemon: TestDaemon;
  let jumbo: TestPartner;
  let fixer: TestPartner;
  let undoer: TestPartner;

  /** The CLI as its own process (it waits on the daemon's write lock), with the daemon's configuration. */
  const cli = async (...args: string[]): Promise<BatchResult> =>
    run(process.execPath, [BIN, ...args, '--config', await configFile(daemon)], { env: { ...process.env, POSDROP_DATA_DIR: daemon.dataDir } });
  const query = (sql: string, ...params: unknown[]) => daemon.rows(sql, ...params);
  const balances = async (partner: string) =>
    (JSON.parse((await posdrop(daemon, ['balances', '--partner', partner, '--json'])).stdout) as { code: string; campaign_id: string; balance: number }[]).map(
      (row) => [row.code, row.campaign_id, row.balance],
    );

  beforeAll(async () => {
    daemon = await TestDaemon.start({
      clienttoolbox: {
        fixer: { create_new_customers: true, campaigns: [{ id: 'P1', type: 'points' }] },
        undoer: { create_new_customers: true, allow_undo: true, campaigns: [{ id: 'P1', type: 'points' }] },
      },
    });
    jumbo = await daemon.addPartner({ id: 'jumbo', channels: ['retail'], formats: ['pbj-offline-sales'] });
    fixer = await daemon.addPartner({ id: 'fixer', formats: ['clienttoolbox-transactions'] });
    undoer = await daemon.addPartner({ id: 'undoer', formats: ['clienttoolbox-transactions'] });
  });
  afterAll(() => daemon.destroy());

  it("PBJ: the file's own ORDER_IDs are accepted again, not collisions; it stays processed and answers as before", async () => {
    const name = 'retail_20-04-2020_again.csv';
    const lines = ['7001,7,C1,Ticket,1,2.50,card,2020-04-20', '7002,7,C2,Ticket,2,5.00,cash,2020-04-20', '7003,7,C3,Ticket,1,2.50,card,2020-04-20'];
    const first = await drop(daemon, jumbo, name, `${PBJ_HEADER}${lines.join('\n')}\n`);
    expect(first.state).toBe('processed');

    const again = await cli('reprocess', name, '--json');
    expect(again.stderr).toBe('');
    expect(JSON.parse(again.stdout)).toMatchObject({ state: 'processed', counts: { total: 3, accepted: 3, failed: 0, duplicates: 0 } });
    expect(await fetchJson(daemon, jumbo, `${name}.result.json`)).toEqual({ result: 3 });
    expect(await daemon.receipt('jumbo', name)).toMatchObject({ state: 'processed', reason: null });
    expect(await query("SELECT order_id, channel FROM pbj_sales WHERE order_id BETWEEN 7001 AND 7003 ORDER BY order_id")).toEqual([
      { order_id: 7001, channel: 'retail' },
      { order_id: 7002, channel: 'retail' },
      { order_id: 7003, channel: 'retail' },
    ]);
    expect((await daemon.ledger('jumbo')).filter((row) => row.name === name)).toHaveLength(1);
  });

  it('PBJ: an ORDER_ID repeated inside the file is still refused when it is processed again', async () => {
    const name = 'retail_21-04-2020_twice.csv';
    const body = `${PBJ_HEADER}7101,7,C1,Ticket,1,2.50,card,2020-04-21\n7101,7,C1,Ticket,1,2.50,card,2020-04-21\n`;
    expect((await drop(daemon, jumbo, name, body)).state).toBe('rejected');
    const again = await cli('reprocess', name, '--json');
    expect(JSON.parse(again.stdout)).toMatchObject({ state: 'rejected', reason: { code: 'invalid_content' } });
    const result = (await fetchJson(daemon, jumbo, `${name}.result.json`)) as { error: { extended: { errors: unknown[] } } };
    expect(result.error.extended.errors).toEqual([{ line: 3, messages: ['ORDER_ID 7101 has already been used on channel retail'] }]);
    expect(await query('SELECT count(*) AS n FROM pbj_sales WHERE order_id = 7101')).toEqual([{ n: 0 }]);
  });

  it('Toolbox: entries already posted are not posted again; a line fixed by configuration posts now', async () => {
    const name = 'transactions_20261124_fix.psv';
    const body = 'campaign_id|code|redeemed|amount\nP1|u1|N|100\nP1|u2|N|40\nP9|u1|N|5\n';
    const first = await drop(daemon, fixer, name, body);
    expect(first.counts).toEqual({ total: 3, accepted: 2, failed: 1, duplicates: 0 });
    expect(await fetchOutbox(daemon, fixer, `${name}.result.xml`)).toContain('code="unknown_campaign"');

    // The operator adds the missing campaign (a restart key) and processes the batch again.
    daemon.config.clienttoolbox.fixer?.campaigns.push({ id: 'P9', type: 'points', ratio: 1, rewards: {} });
    await daemon.restart();
    const again = await cli('reprocess', name, '--json');
    expect(again.stderr).toBe('');
    expect(JSON.parse(again.stdout)).toMatchObject({ state: 'processed', counts: { total: 3, accepted: 3, failed: 0, duplicates: 0 } });
    expect(await fetchOutbox(daemon, fixer, `${name}.result.xml`)).toBe(
      '<response status="success">\n  <batch status="all_imported">\n    <transactions>3</transactions>\n  </batch>\n</response>\n',
    );
    expect(await balances('fixer')).toEqual([
      ['u1', 'P1', 100],
      ['u1', 'P9', 5],
      ['u2', 'P1', 40],
    ]);
    const fileId = (await daemon.ledger('fixer')).find((row) => row.name === name)?.id;
    expect(await query('SELECT line, delta FROM toolbox_entries WHERE file_id = ? ORDER BY line', fileId)).toEqual([
      { line: 2, delta: 10000 },
      { line: 3, delta: 4000 },
      { line: 4, delta: 500 },
    ]);
  });

  it('Toolbox: a batch undone is not processed again, and the command says why', async () => {
    const name = 'transactions_20261124_undone.psv';
    expect((await drop(daemon, undoer, name, 'campaign_id|code|redeemed|amount\nP1|v1|N|30\n')).state).toBe('processed');
    const undo = await posdrop(daemon, ['undo', name, '--partner', 'undoer', '--reason', 'sent by mistake', '--by', 'alice']);
    expect(undo.code, undo.stderr).toBe(0);
    const refused = await cli('reprocess', name);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^posdrop reprocess: transactions_20261124_undone\.psv was undone by alice at .*: processing it again would post none of its entries/);
    expect(await balances('undoer')).toEqual([['v1', 'P1', 0]]);
    expect((await daemon.ledger('undoer')).find((row) => row.name === name)?.state).toBe('processed');
  });
});
