/**
 * The Client Toolbox guide's own example texts as a partner sends them, over OpenSSH sftp: its
 * `Visits_Data` has no header line (the names travel beside it), the events and earn-per-event
 * examples per apply_ratio, customers an operator brings in with their card numbers and opening
 * balances, and the guide's error response for a batch nothing could be imported from.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultConfig } from '../../src/config/schema.js';
import { posdrop } from '../support/cli.js';
import { TestDaemon, type TestPartner } from '../support/daemon.js';
import { drop, fetchOutbox } from '../support/drop.js';

const fixture = (name: string) => readFile(new URL(`../../fixtures/clienttoolbox/${name}`, import.meta.url));
const NOW = new Date('2026-11-24T09:30:00Z');
const EVENTS_ORDER = ['code', 'campaign_id', 'redeemed', 'date', 'authorization', 'amount'];
const DEFAULT_ORDER = ['code', 'campaign_id', 'redeemed', 'amount', 'date', 'authorization', 'promo_id'];
const guideConfig = defaultConfig().clienttoolbox.demo;

describe("the Client Toolbox guide's examples through the daemon", () => {
  let daemon: TestDaemon;
  const partners: Record<string, TestPartner> = {};
  const partner = (id: string) => partners[id] as TestPartner;
  const balances = async (id: string) =>
    (JSON.parse((await posdrop(daemon, ['balances', '--partner', id, '--json'])).stdout) as { code: string; campaign_id: string; balance: number }[]).map(
      (row) => [row.code, row.campaign_id, row.balance],
    );

  beforeAll(async () => {
    const toolbox = {
      guide: guideConfig,
      ordered: { ...guideConfig, columns: ['campaign_id', 'code', 'redeemed', 'amount', 'date', 'authorization', 'promo_id'] },
      'events-plain': { create_new_customers: true, columns: EVENTS_ORDER, campaigns: [{ id: '12121', type: 'events' }] },
      'events-ratio': { apply_ratio: true, create_new_customers: true, columns: EVENTS_ORDER, campaigns: [{ id: '12121', type: 'events', rewards: { '2': 2 } }] },
      'earned-ratio': { apply_ratio: true, create_new_customers: true, columns: EVENTS_ORDER, campaigns: [{ id: '12121', type: 'earned', ratio: 25 }] },
      'earned-plain': { columns: EVENTS_ORDER, campaigns: [{ id: '12121', type: 'earned' }] },
      known: { ...guideConfig, create_new_customers: false },
    };
    daemon = await TestDaemon.start({ clienttoolbox: toolbox }, { clock: { now: () => NOW } });
    for (const id of Object.keys(toolbox)) partners[id] = await daemon.addPartner({ id, formats: ['clienttoolbox-transactions'] });
  });
  afterAll(() => daemon.destroy());

  it("imports the guide's seven Visits_Data lines as published, without a header, in the default order", async () => {
    const name = 'transactions_20100315_visits-data.psv';
    const receipt = await drop(daemon, partner('guide'), name, await fixture(name));
    expect(receipt).toMatchObject({ state: 'processed', counts: { total: 7, accepted: 6, failed: 1, duplicates: 0 } });
    expect(receipt.columns).toEqual({ from: 'default order', names: DEFAULT_ORDER });
    const xml = await fetchOutbox(daemon, partner('guide'), `${name}.result.xml`);
    expect(xml).toContain('<batch status="partially_imported">\n    <transactions>6</transactions>');
    expect(xml).toContain('<error line="1" column="date" value="2013-0315" code="invalid_date">');
    expect(await balances('guide')).toEqual([['1111222233334444', '12121', 37.92]]);
  });

  it('keeps a header working, and says the header named the columns', async () => {
    const name = 'transactions_20100315_guide.psv';
    const receipt = await drop(daemon, partner('guide'), name.replace('guide', 'headed'), await fixture(name));
    expect(receipt).toMatchObject({ state: 'processed', counts: { total: 7, accepted: 6, failed: 1, duplicates: 0 } });
    expect(receipt.columns).toEqual({ from: 'header', names: DEFAULT_ORDER });
  });

  it("reads a headerless file in the partner's configured order, and answers the guide's error when nothing could be imported", async () => {
    const good = await drop(daemon, partner('ordered'), 'transactions_20100315_ordered.psv', '12121|C-7|N|10|2010-03-15|ok\n');
    expect(good).toMatchObject({ state: 'processed', counts: { total: 1, accepted: 1 }, columns: { from: 'configured order' } });
    // the guide's lines start with the card number: in campaign_id-first order no line can be read
    const name = 'transactions_20100315_swapped.psv';
    const receipt = await drop(daemon, partner('ordered'), name, await fixture('transactions_20100315_visits-data.psv'));
    expect(receipt.counts).toEqual({ total: 7, accepted: 0, failed: 7, duplicates: 0 });
    expect(await fetchOutbox(daemon, partner('ordered'), `${name}.result.xml`)).toBe(
      '<response status="error">\n  <error>no transaction of the batch could be imported: all 7 lines have errors (the first: line 1, date is not a valid date); see the error log</error>\n</response>\n',
    );
  });

  it('imports the events example without apply_ratio: each event line is one event, the redemption deducts 2', async () => {
    const name = 'transactions_20100315_events.psv';
    const receipt = await drop(daemon, partner('events-plain'), name, await fixture(name));
    expect(receipt).toMatchObject({ state: 'processed', counts: { total: 3, accepted: 3, failed: 0 }, columns: { from: 'configured order', names: EVENTS_ORDER } });
    expect(await fetchOutbox(daemon, partner('events-plain'), `${name}.result.xml`)).toContain('<batch status="all_imported">\n    <transactions>3</transactions>');
    expect(await balances('events-plain')).toEqual([['1111222233334444', '12121', 0]]);
  });

  it('imports the events example with apply_ratio: the redemption names reward 2, converted into events', async () => {
    const name = 'transactions_20100315_events.psv';
    const receipt = await drop(daemon, partner('events-ratio'), name, await fixture(name));
    expect(receipt.counts).toEqual({ total: 3, accepted: 3, failed: 0, duplicates: 0 });
    expect(await balances('events-ratio')).toEqual([['1111222233334444', '12121', 0]]);
  });

  it('imports the earn-per-event example with apply_ratio: events converted into money, then 46.95 redeemed', async () => {
    const name = 'transactions_20100315_earn-per-event.psv';
    const receipt = await drop(daemon, partner('earned-ratio'), name, await fixture(name));
    expect(receipt.counts).toEqual({ total: 3, accepted: 3, failed: 0, duplicates: 0 });
    expect(await balances('earned-ratio')).toEqual([['1111222233334444', '12121', 3.05]]);
  });

  it('imports the earn-per-event example without apply_ratio against a balance an operator brought in', async () => {
    const added = await posdrop(daemon, ['customers', 'add', '--partner', 'earned-plain', '--code', 'C-42', '--card', '1111222233334444', '--balance', '12121=50', '--by', 'ops']);
    expect(added.code, added.stderr).toBe(0);
    expect(added.stdout).toBe('earned-plain: 1 customers added, 1 opening balances posted\n');
    const name = 'transactions_20100315_earn-per-event.psv';
    const receipt = await drop(daemon, partner('earned-plain'), name, await fixture(name));
    expect(receipt.counts).toEqual({ total: 3, accepted: 3, failed: 0, duplicates: 0 });
    // 50 + one event + one event (no ratio: each is worth 1) − 46.95, on the customer the card belongs to
    expect(await balances('earned-plain')).toEqual([['C-42', '12121', 5.05]]);
  });

  it("lets the guide's redemption of 1500 meet a balance that existed before posdrop, with create_new_customers off", async () => {
    const csv = daemon.path('customers.csv');
    await writeFile(csv, 'code,card_number,campaign_id,balance\nC-1,1111222233334444,12121,50\nC-2,,,\nC-3,5555,12121,"14,95"\n');
    const imported = await posdrop(daemon, ['customers', 'import', csv, '--partner', 'known', '--json']);
    expect(imported.code, imported.stderr).toBe(0);
    expect(JSON.parse(imported.stdout)).toMatchObject({ partner: 'known', customers: 3, balances: 2 });
    const name = 'transactions_20100315_visits-data.psv';
    const receipt = await drop(daemon, partner('known'), name, await fixture(name));
    expect(receipt.counts).toEqual({ total: 7, accepted: 6, failed: 1, duplicates: 0 });
    // 50 opening + 87.92 earned − 50 for reward 1500
    expect(await balances('known')).toEqual([
      ['C-1', '12121', 87.92],
      ['C-3', '12121', 14.95],
    ]);
    // the same file again stores nothing, and says why, line by line
    const again = await posdrop(daemon, ['customers', 'import', csv, '--partner', 'known']);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('line 2: code C-1 is already a customer of known');
    expect(again.stderr).toContain('line 4: card number 5555 is already a customer of known');
    const bad = await posdrop(daemon, ['customers', 'add', '--partner', 'known', '--code', 'C-9', '--balance', '999=5']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('campaign_id 999 is not a campaign of known (12121)');
    expect(await balances('known')).toHaveLength(2);
  });
});
