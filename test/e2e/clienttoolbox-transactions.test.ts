import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultConfig } from '../../src/config/schema.js';
import { posdrop } from '../support/cli.js';
import { run } from '../support/clients.js';
import { TestDaemon, type TestPartner } from '../support/daemon.js';
import { csvRows, drop, fetchJson, fetchOutbox } from '../support/drop.js';

const fixture = (name: string) => readFile(new URL(`../../fixtures/clienttoolbox/${name}`, import.meta.url));
const HEADER = 'campaign_id|code|redeemed|amount|date|authorization|promo_id|service_product\n';
const NOW = new Date('2026-11-24T09:30:00Z');
/** One campaign of each type, without apply_ratio: the amount is the change itself. */
const CAMPAIGNS = [
  { id: 'G1', type: 'giftcard' },
  { id: 'E1', type: 'events' },
  { id: 'R1', type: 'earned' },
  { id: 'B1', type: 'buyx', ratio: 10 },
];

describe('Client Toolbox transactions through the daemon', () => {
  let daemon: TestDaemon;
  let guide: TestPartner;
  let kinds: TestPartner;
  let strict: TestPartner;
  let plain: TestPartner;
  let ratio: TestPartner;
  let undoable: TestPartner;

  beforeAll(async () => {
    daemon = await TestDaemon.start(
      {
        clienttoolbox: {
          // the demo partner's embedded configuration, under another id
          guide: defaultConfig().clienttoolbox.demo,
          kinds: {
            receipt: 'json',
            condensed: true,
            create_new_customers: true,
            campaigns: [
              { id: 'P1', type: 'points' },
              { id: 'B1', type: 'buyx', ratio: 10 },
            ],
          },
          strict: { campaigns: [{ id: 'P1', type: 'points' }] },
          plain: { create_new_customers: true, campaigns: CAMPAIGNS },
          ratio: {
            apply_ratio: true,
            create_new_customers: true,
            campaigns: [
              { id: 'P1', type: 'points', ratio: 10, rewards: { R5: 25 } },
              { id: 'E1', type: 'events', rewards: { FREE: 3 } },
              { id: 'R1', type: 'earned', ratio: 2.5 },
              { id: 'B1', type: 'buyx', ratio: 10 },
              { id: 'G1', type: 'giftcard', ratio: 10 },
            ],
          },
          undoable: { allow_undo: true, create_new_customers: true, campaigns: [{ id: 'P1', type: 'points' }] },
        },
      },
      { clock: { now: () => NOW } },
    );
    guide = await daemon.addPartner({ id: 'guide', formats: ['clienttoolbox-transactions'] });
    kinds = await daemon.addPartner({ id: 'kinds', formats: ['clienttoolbox-transactions'] });
    strict = await daemon.addPartner({ id: 'strict', formats: ['clienttoolbox-transactions'] });
    plain = await daemon.addPartner({ id: 'plain', formats: ['clienttoolbox-transactions'] });
    ratio = await daemon.addPartner({ id: 'ratio', formats: ['clienttoolbox-transactions'] });
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

  it('skips one bad line of each kind, each for its own reason, answers in condensed JSON, and stores the rest', async () => {
    const lines = [
      'P1|c1|N|10|2026-11-01|auth|7', // 2: good, c1 is created with a balance of 10
      'P9|c1|N|10|2026-11-01', // unknown campaign
      'P1|c1|X|10|2026-11-01', // bad redeemed flag
      'P1|c1|N|10|2013-0315', // the guide's bad date
      'P1|c1|N|ten|', // not an amount
      'P1|c1|N|0|', // nothing to add
      'P1|c1|Y|11|', // beyond the balance of 10
      'B1|c1|N|3|||', // buy-X without service_product
      'P1|c1', // stops before redeemed
      '+SUM(1)|c1|N|1', // formula-like unknown campaign
    ];
    const name = 'transactions_20261124_kinds.psv';
    const receipt = await drop(daemon, kinds, name, `${HEADER}${lines.join('\n')}\n`);
    expect(receipt.counts).toEqual({ total: 10, accepted: 1, failed: 9, duplicates: 0 });
    const text = await fetchOutbox(daemon, kinds, `${name}.result.json`);
    expect(text).not.toMatch(/\n./);
    const answer = JSON.parse(text) as {
      response: { status: string; batch: { status: string; transactions: number; errors: { line: number; column: string; code: string; message: string }[] } };
    };
    expect(answer.response.status).toBe('success');
    expect(answer.response.batch).toMatchObject({ status: 'partially_imported', transactions: 1 });
    expect(answer.response.batch.errors.map((error) => [error.line, error.column, error.code])).toEqual([
      [3, 'campaign_id', 'unknown_campaign'],
      [4, 'redeemed', 'invalid_flag'],
      [5, 'date', 'invalid_date'],
      [6, 'amount', 'invalid_amount'],
      [7, 'amount', 'not_positive'],
      [8, 'amount', 'over_balance'],
      [9, 'service_product', 'missing_field'],
      [10, '', 'ragged_line'],
      [11, 'campaign_id', 'unknown_campaign'],
    ]);
    const messages = answer.response.batch.errors.map((error) => error.message);
    expect(messages[3]).toMatch(/^amount is not a valid amount; expected/);
    expect(messages[4]).toBe('amount must be greater than 0; expected an amount greater than 0');
    expect(messages[5]).toBe('the redemption of 11.00 is more than the balance 10.00 of customer c1 in campaign P1; expected at most 10.00');
    expect(messages[6]).toBe('service_product is required for a buy-X campaign; expected the product bought, such as Coffees');
    const rows = csvRows(await fetchOutbox(daemon, kinds, `${name}.errors.csv`));
    expect(rows.at(-1)?.slice(0, 3)).toEqual(['11', 'campaign_id', "'+SUM(1)"]);
    const balances = JSON.parse((await posdrop(daemon, ['balances', '--partner', 'kinds', '--json'])).stdout) as { code: string; balance: number }[];
    expect(balances.map((row) => [row.code, row.balance])).toEqual([['c1', 10]]);
  });

  it('refuses an unknown customer when create_new_customers is off', async () => {
    const name = 'transactions_20261124_stranger.psv';
    const receipt = await drop(daemon, strict, name, 'campaign_id|code|redeemed|amount\nP1|stranger|N|10\n');
    expect(receipt.counts).toEqual({ total: 1, accepted: 0, failed: 1, duplicates: 0 });
    const xml = await fetchOutbox(daemon, strict, `${name}.result.xml`);
    expect(xml).toBe(
      '<response status="error">\n  <error>no transaction of the batch could be imported: its one line has errors (the first: line 2, code stranger is not a customer of this account); see the error log</error>\n</response>\n',
    );
    expect((await posdrop(daemon, ['balances', '--partner', 'strict'])).stdout).toBe('(none)\n');
  });

  it("applies the guide's amount rules of each campaign type without apply_ratio, buy-X per product", async () => {
    const lines = [
      'G1|g|N|14,95', // gift card: the monetary value
      'G1|g|Y|4.95',
      'E1|e|N|', // events: an empty amount is one event
      'E1|e|N|',
      'E1|e|Y|2', // redeemed: the number of events
      'R1|r|N|20.00', // earned: the monetary value
      'R1|r|Y|5',
      'B1|b|N|3||||Coffees', // buy-X: items bought, per product
      'B1|b|N|1||||Cakes',
      'B1|b|Y|2||||Coffees', // redeemed: the items to deduct, not multiplied by the ratio
      'B1|b|Y|2||||Cakes', // line 12: beyond the Cakes balance, whatever the Coffees
    ];
    const name = 'transactions_20261124_plain.psv';
    const receipt = await drop(daemon, plain, name, `${HEADER}${lines.join('\n')}\n`);
    expect(receipt.counts).toEqual({ total: 11, accepted: 10, failed: 1, duplicates: 0 });
    const xml = await fetchOutbox(daemon, plain, `${name}.result.xml`);
    expect(xml).toContain('<transactions>10</transactions>');
    expect(xml).toContain('<error line="12" column="amount" value="2.00" code="over_balance">the redemption of 2.00 is more than the balance 1.00 of customer b in campaign B1');
    const balances = JSON.parse((await posdrop(daemon, ['balances', '--partner', 'plain', '--json'])).stdout) as { code: string; campaign_id: string; service_product: string | null; balance: number }[];
    expect(balances.map((row) => [row.code, row.campaign_id, row.service_product, row.balance])).toEqual([
      ['b', 'B1', 'Cakes', 1],
      ['b', 'B1', 'Coffees', 1],
      ['e', 'E1', null, 0],
      ['g', 'G1', null, 10],
      ['r', 'R1', null, 15],
    ]);
  });

  it('prints the ledger as a table for people', async () => {
    const table = await posdrop(daemon, ['balances', '--partner', 'plain']);
    expect(table.code, table.stderr).toBe(0);
    const at = NOW.toISOString();
    expect(table.stdout).toBe(
      [
        'CODE  CAMPAIGN  PRODUCT  BALANCE  UPDATED',
        `b     B1        Cakes    1.00     ${at}`,
        `b     B1        Coffees  1.00     ${at}`,
        `e     E1        -        0.00     ${at}`,
        `g     G1        -        10.00    ${at}`,
        `r     R1        -        15.00    ${at}`,
        '',
      ].join('\n'),
    );
    const one = await posdrop(daemon, ['balances', '--partner', 'plain', '--code', 'g']);
    expect(one.stdout.split('\n').slice(1)).toEqual([`g     G1        -        10.00    ${at}`, '']);
  });

  it("applies the guide's amount rules with apply_ratio: rewards, ratios, and gift cards without one", async () => {
    const lines = [
      'P1|p|N|2.50', // points: money times the ratio (10) → 25
      'P1|p|Y|R5', // redeemed by reward id: its cost, 25
      'P1|p|Y|R9', // line 4: no such reward
      'E1|e|N|', // events: one each
      'E1|e|N|',
      'E1|e|N|',
      'E1|e|Y|FREE', // redeemed by reward id: 3 events
      'R1|r|N|', // earned: events times the ratio (2.5) in money
      'R1|r|N|2',
      'R1|r|Y|1,50', // redeemed: money
      'B1|b|N|20||||Coffees', // buy-X: items bought
      'B1|b|Y|1||||Coffees', // redeemed: items redeemed times the ratio (10)
      'B1|b|Y|2||||Coffees', // line 14: 20 more than the 10 left
      'G1|g|N|49.62', // gift card: apply_ratio does not apply
    ];
    const name = 'transactions_20261124_ratio.psv';
    const receipt = await drop(daemon, ratio, name, `${HEADER}${lines.join('\n')}\n`);
    expect(receipt.counts).toEqual({ total: 14, accepted: 12, failed: 2, duplicates: 0 });
    const xml = await fetchOutbox(daemon, ratio, `${name}.result.xml`);
    expect(xml).toContain('<error line="4" column="amount" value="R9" code="unknown_reward">amount R9 is not a reward of campaign P1; expected a reward id: R5</error>');
    expect(xml).toContain('<error line="14" column="amount" value="20.00" code="over_balance">the redemption of 20.00 is more than the balance 10.00 of customer b in campaign B1');
    const balances = JSON.parse((await posdrop(daemon, ['balances', '--partner', 'ratio', '--json'])).stdout) as { code: string; campaign_id: string; balance: number }[];
    expect(balances.map((row) => [row.code, row.campaign_id, row.balance])).toEqual([
      ['b', 'B1', 10],
      ['e', 'E1', 0],
      ['g', 'G1', 49.62],
      ['p', 'P1', 0],
      ['r', 'R1', 6],
    ]);
  });

  it("answers a file that is not UTF-8 with the guide's error response, storing nothing", async () => {
    const name = 'transactions_20261124_latin.psv';
    const bytes = Buffer.concat([Buffer.from('campaign_id|code|redeemed|amount\n12121|caf'), Buffer.from([0xe9]), Buffer.from('|N|5\n')]);
    const receipt = await drop(daemon, guide, name, bytes);
    expect(receipt.state).toBe('rejected');
    expect(receipt.reason).toMatchObject({ code: 'not_utf8' });
    const message = (receipt.reason as { message: string }).message;
    expect(message).toMatch(/^the file is not valid UTF-8: the byte at offset 42 /);
    expect(await fetchOutbox(daemon, guide, `${name}.result.xml`)).toBe(`<response status="error">\n  <error>${message}</error>\n</response>\n`);
    expect(JSON.parse((await posdrop(daemon, ['balances', '--partner', 'guide', '--code', 'café', '--json'])).stdout)).toEqual([]);
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
    // an empty date is today (the daemon's clock)
    expect(await daemon.rows("SELECT date FROM toolbox_entries WHERE code = 'card-9'")).toEqual([{ date: '2026-11-24' }]);
  });

  it('tolerates a BOM, and takes several promo ids only when the delimiter is not a comma', async () => {
    const psv = await drop(daemon, guide, 'transactions_20261124_bom.psv', `\uFEFF${HEADER}12121|card-1|N|5|||1,2,3\n`);
    expect(psv.counts).toMatchObject({ accepted: 1, failed: 0 });
    const csv = await drop(daemon, guide, 'transactions_20261124_promo.csv', 'campaign_id,code,redeemed,amount,date,authorization,promo_id\n12121,card-1,N,5,,,"1,2"\n12121,card-1,N,5,,,1\n');
    expect(csv.counts).toMatchObject({ accepted: 1, failed: 1 });
    expect(await fetchOutbox(daemon, guide, 'transactions_20261124_promo.csv.result.xml')).toContain('code="ragged_line"');
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
    const shown = JSON.parse((await posdrop(daemon, ['show', 'transactions_20261124_spend.psv', '--partner', 'undoable', '--json'])).stdout) as { history: unknown[] };
    expect(shown.history.at(-1)).toMatchObject({ state: 'processed', detail: 'undone: alice reversed 1 entry (sent twice)' });
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

describe('the Client Toolbox configuration, checked at start', () => {
  const BIN = path.resolve(import.meta.dirname, '../../bin/posdrop.js');
  let scratch = '';
  beforeAll(async () => {
    scratch = await mkdtemp(path.join(tmpdir(), 'posdrop-toolbox-config-'));
  });
  afterAll(() => rm(scratch, { recursive: true, force: true }));

  /** `posdrop serve` (built in dist/) on `campaigns` for partner acme: how it ends, and what it says. */
  async function serveWith(campaigns: unknown[]) {
    const dataDir = path.join(scratch, `data-${campaigns.length}-${Date.now()}`);
    const file = path.join(scratch, `config-${Date.now()}.json`);
    await writeFile(file, JSON.stringify({ data_dir: dataDir, sftp: { port: 0 }, http: { port: 0 }, api: { port: 0 }, clienttoolbox: { acme: { campaigns } } }));
    const result = await run(process.execPath, [BIN, 'serve', '--config', file], { timeoutMs: 20_000 });
    const started = await readFile(path.join(dataDir, 'posdrop.db')).then(() => true, () => false);
    return { ...result, started, file };
  }

  it('refuses to start with a campaign id listed twice, naming the key', async () => {
    const result = await serveWith([{ id: 'P1', type: 'points' }, { id: 'P1', type: 'giftcard' }]);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(`posdrop serve: invalid configuration:\n  - clienttoolbox.acme.campaigns: campaign id P1 is listed twice (from ${result.file})\n`);
    expect(result.started).toBe(false);
  });

  it('refuses to start with a campaign type the guide does not know, naming the key and the types', async () => {
    const result = await serveWith([{ id: 'P1', type: 'points' }, { id: 'L1', type: 'loyalty' }]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^posdrop serve: invalid configuration:\n {2}- clienttoolbox\.acme\.campaigns\.1\.type: .*"points"\|"giftcard"\|"buyx"\|"events"\|"earned"/);
    expect(result.started).toBe(false);
  });
});
