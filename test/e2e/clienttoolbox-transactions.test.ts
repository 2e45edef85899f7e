import { readFile } from 'node:fs/promises';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultConfig } from '../../src/config/schema.js';
import { posdrop } from '../support/cli.js';
import { TestDaemon, type TestPartner } from '../support/daemon.js';
import { csvRows, drop, fetchJson, fetchOutbox } from '../support/drop.js';

const fixture = (name: string) => readFile(new URL(`../../fixtures/clienttoolbox/${name}`, import.meta.url));
const HEADER = 'campaign_id|code|redeemed|amount|date|authorization|promo_id|service_product\n';
const NOW = new Date('2026-11-24T09:30:00Z');

describe('Client Toolbox transactions through the daemon', () => {
  let daemon: TestDaemon;
  let guide: TestPartner;
  let strict: TestPartner;
  let undoable: TestPartner;

  beforeAll(async () => {
    daemon = await TestDaemon.start(
      {
        clienttoolbox: {
          // the demo partner's embedded configuration, under another id
          guide: defaultConfig().clienttoolbox.demo,
          strict: {
            receipt: 'json',
            condensed: true,
            campaigns: [
              { id: 'P1', type: 'points' },
              { id: 'B1', type: 'buyx', ratio: 10 },
            ],
          },
          undoable: { allow_undo: true, create_new_customers: true, campaigns: [{ id: 'P1', type: 'points' }] },
        },
      },
      { clock: { now: () => NOW } },
    );
    guide = await daemon.addPartner({ id: 'guide', formats: ['clienttoolbox-transactions'] });
    strict = await daemon.addPartner({ id: 'strict', formats: ['clienttoolbox-transactions'] });
    undoable = await daemon.addPartner({ id: 'undoable', formats: ['clienttoolbox-transactions'] });
  });
  afterAll(() => daemon.destroy());

  it("answers the guide's example batch with the expected receipt and keeps the ledger", async () => {
    const name = 'transactions_20100315_guide.psv';
    const receipt = await drop(daemon, guide, name, await fixture(name));
    expect(receipt.state).toBe('processed');
    expect(receipt.counts).toEqual({ total: 7, accepted: 6, failed: 1, duplicates: 0 });
    expect(await fetchOutbox(daemon, guide, `${name}.result.xml`)).toBe((await fixture(`expected/${name}.result.xml`)).toString());
    const balances = await posdrop(daemon, ['balances', '--partner', 'guide', '--json']);
    expect(balances.code, balances.stderr).toBe(0);
    expect(JSON.parse(balances.stdout)).toEqual([
      { campaign_id: '12121', code: '1111222233334444', service_product: null, balance: 37.92, updated_at: NOW.toISOString() },
    ]);
  });

  it('skips one bad line of each kind, answers in condensed JSON, and stores the rest', async () => {
    const lines = [
      'P1|c1|N|10|2026-11-01|auth|7',
      'P9|c1|N|10|2026-11-01', // unknown campaign
      'P1|c1|X|10|2026-11-01', // bad redeemed flag
      'P1|c1|N|10|2013-0315', // bad date
      'P1|c1|N|ten|', // bad amount
      'P1|c1|Y|11|', // beyond the balance of 10
      'B1|c1|N|3|||', // buy-X without service_product
      'P1|c1', // stops before redeemed
      '+SUM(1)|c1|N|1', // formula-like unknown campaign
    ];
    const name = 'transactions_20261124_kinds.psv';
    const receipt = await drop(daemon, strict, name, `${HEADER}${lines.join('\n')}\n`);
    expect(receipt.counts).toEqual({ total: 9, accepted: 0, failed: 9, duplicates: 0 });
    const text = await fetchOutbox(daemon, strict, `${name}.result.json`);
    expect(text).not.toMatch(/\n./);
    const answer = JSON.parse(text) as { response: { status: string; batch: { status: string; transactions: number; errors: { line: number; code: string }[] } } };
    expect(answer.response.status).toBe('success');
    expect(answer.response.batch.status).toBe('none_imported');
    expect(answer.response.batch.errors.map((error) => [error.line, error.code])).toEqual([
      [2, 'unknown_customer'],
      [3, 'unknown_campaign'],
      [4, 'invalid_flag'],
      [5, 'invalid_date'],
      [6, 'unknown_customer'],
      [7, 'unknown_customer'],
      [8, 'unknown_customer'],
      [9, 'ragged_line'],
      [10, 'unknown_campaign'],
    ]);
    const rows = csvRows(await fetchOutbox(daemon, strict, `${name}.errors.csv`));
    expect(rows.at(-1)?.slice(0, 3)).toEqual(['10', 'campaign_id', "'+SUM(1)"]);
  });

  it('refuses a redemption beyond the balance and takes the one within it', async () => {
    const name = 'transactions_20261124_redeem.tsv';
    const body = ['campaign_id\tcode\tredeemed\tamount\tdate', '12121\tcard-9\tN\t20,00\t', '12121\tcard-9\tY\t1500\t', '12121\tcard-9\tY\t1500\t'];
    const receipt = await drop(daemon, guide, name, `${body.join('\n')}\n`);
    expect(receipt.counts).toMatchObject({ total: 3, accepted: 1, failed: 2 });
    const xml = await fetchOutbox(daemon, guide, `${name}.result.xml`);
    expect(xml).toContain('<batch status="partially_imported">');
    expect(xml).toContain('code="over_balance">the redemption of 50.00 is more than the balance 20.00 of customer card-9 in campaign 12121');
    const balances = JSON.parse((await posdrop(daemon, ['balances', '--partner', 'guide', '--code', 'card-9', '--json'])).stdout) as { balance: number }[];
    expect(balances.map((row) => row.balance)).toEqual([20]);
    const db = new Database(daemon.path('posdrop.db'), { readonly: true });
    try {
      // an empty date is today (the daemon's clock)
      expect(db.prepare("SELECT date FROM toolbox_entries WHERE code = 'card-9'").pluck().all()).toEqual(['2026-11-24']);
    } finally {
      db.close();
    }
  });

  it('tolerates a BOM, and takes several promo ids only when the delimiter is not a comma', async () => {
    const psv = await drop(daemon, guide, 'transactions_20261124_bom.psv', `\uFEFF${HEADER}12121|card-1|N|5|||1,2,3\n`);
    expect(psv.counts).toMatchObject({ accepted: 1, failed: 0 });
    const csv = await drop(daemon, guide, 'transactions_20261124_promo.csv', 'campaign_id,code,redeemed,amount,date,authorization,promo_id\n12121,card-1,N,5,,,"1,2"\n12121,card-1,N,5,,,1\n');
    expect(csv.counts).toMatchObject({ accepted: 1, failed: 1 });
    expect(await fetchOutbox(daemon, guide, 'transactions_20261124_promo.csv.result.xml')).toContain('code="promo_id_comma"');
  });

  it('undoes a batch once, with who and why, and not when a later redemption depends on it', async () => {
    const earn = await drop(daemon, undoable, 'transactions_20261124_earn.psv', 'campaign_id|code|redeemed|amount\nP1|u1|N|100\nP1|u2|N|40\n');
    expect(earn.state).toBe('processed');
    const spend = await drop(daemon, undoable, 'transactions_20261124_spend.psv', 'campaign_id|code|redeemed|amount\nP1|u1|Y|80\n');
    expect(spend.counts).toMatchObject({ accepted: 1 });
    const blocked = await posdrop(daemon, ['undo', 'transactions_20261124_earn.psv', '--partner', 'undoable', '--reason', 'test']);
    expect(blocked.code).toBe(1);
    expect(blocked.stderr).toContain('line 2 of transactions_20261124_spend.psv redeems points of customer u1');
    const undoSpend = await posdrop(daemon, ['undo', 'transactions_20261124_spend.psv', '--partner', 'undoable', '--reason', 'sent twice', '--by', 'alice', '--json']);
    expect(undoSpend.code, undoSpend.stderr).toBe(0);
    expect(JSON.parse(undoSpend.stdout)).toMatchObject({ entries_reversed: 1, undone_by: 'alice', reason: 'sent twice' });
    const undoEarn = await posdrop(daemon, ['undo', 'transactions_20261124_earn.psv', '--partner', 'undoable', '--reason', 'wrong file']);
    expect(undoEarn.code, undoEarn.stderr).toBe(0);
    const balances = JSON.parse((await posdrop(daemon, ['balances', '--partner', 'undoable', '--json'])).stdout) as { code: string; balance: number }[];
    expect(balances.map((row) => [row.code, row.balance])).toEqual([['u1', 0], ['u2', 0]]);
    const twice = await posdrop(daemon, ['undo', 'transactions_20261124_earn.psv', '--partner', 'undoable', '--reason', 'again']);
    expect(twice.code).toBe(1);
    expect(twice.stderr).toContain('already undone by');
    const notAllowed = await posdrop(daemon, ['undo', 'transactions_20100315_guide.psv', '--partner', 'guide', '--reason', 'x']);
    expect(notAllowed.code).toBe(1);
    expect(notAllowed.stderr).toContain('does not allow undo');
  });
});
