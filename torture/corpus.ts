/**
 * What the fuzzer starts from, per format: the sample files in fixtures/ and a few more that reach
 * what those do not (returns and fulfillments, the Toolbox's other delimiters, redemptions); and a
 * name for input `n` that the format's rule accepts, so that the content is what gets tested.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { repoRootFrom } from '../bench/support/repo-root.js';
import type { FormatId } from '../src/formats/types.js';
import { purchase } from './crash-plan.js';

const FIXTURES = path.join(repoRootFrom(import.meta.url), 'fixtures');
const fixture = (...parts: string[]): Buffer => readFileSync(path.join(FIXTURES, ...parts));

/** A partner id and client id the names carry; one partner per format keeps their ledgers apart. */
export const FUZZ_PARTNERS: Record<FormatId, string> = {
  'crowdtwist-pos': 'fuzz-pos',
  'pbj-offline-sales': 'fuzz-pbj',
  'clienttoolbox-transactions': 'fuzz-toolbox',
  'carma-purchase-history': 'fuzz-carma',
};

/** The Toolbox options the fuzz partner runs with: the guide's campaign, customers created on the fly. */
export const FUZZ_TOOLBOX = {
  apply_ratio: true,
  create_new_customers: true,
  campaigns: [
    { id: '12121', type: 'points', ratio: 10, rewards: { '1500': 500 } },
    { id: '555', type: 'buyx', ratio: 1 },
  ],
};

const POS_RELATIONS = JSON.stringify(
  {
    pos_data: [
      purchase('fz-1', true),
      { type: 'return', data: { receipt_id: 'fz-1', return_id: 'r-1', date_returned: '2020-01-03T00:00:00Z', items: [{ sku: 'a', quantity: 1, price: 10 }] } },
      { type: 'fulfillment', data: { receipt_id: 'fz-1', fulfillment_id: 'f-1', date_fulfilled: '2020-01-04T00:00:00Z', items: [{ sku: 'b', quantity: 1 }] } },
      { type: 'return', data: { receipt_id: 'fz-1', return_id: 'r-2', date_returned: '2020-01-05T00:00:00Z', items: [{ sku: 'a', quantity: 5 }] } },
    ],
  },
  null,
  1,
);

const TOOLBOX_LINES = [
  ['campaign_id', 'code', 'redeemed', 'amount', 'date', 'authorization', 'promo_id', 'service_product'],
  ['12121', '1111222233334444', 'N', '14,95', '2010-03-15', 'a1', '123', ''],
  ['12121', '1111222233334444', 'Y', '1500', '2010-03-15', 'redeem', '', ''],
  ['555', 'C-9', 'N', '3', '', 'buy', '', 'coffee'],
  ['555', 'C-9', 'Y', '1', '2010-03-16', 'free one', '', 'coffee'],
];
const toolboxWith = (delimiter: string): Buffer => Buffer.from(`${TOOLBOX_LINES.map((line) => line.join(delimiter)).join('\n')}\n`);

/** The seed files of each format: every input is one of these, mutated. */
export function seedsOf(format: FormatId): Buffer[] {
  switch (format) {
    case 'crowdtwist-pos':
      return [fixture('crowdtwist', 'seed-example.json'), fixture('crowdtwist', 'seed-definition-sample.json'), Buffer.from(POS_RELATIONS)];
    case 'pbj-offline-sales':
      return [fixture('pbj', 'direct-mail_20-04-2020_1.csv'), fixture('pbj', 'direct-mail_20-04-2020_2.csv')];
    case 'clienttoolbox-transactions':
      // the guide's headerless Visits_Data too, read in the default column order
      return [
        fixture('clienttoolbox', 'transactions_20100315_guide.psv'),
        toolboxWith('|'),
        toolboxWith(','),
        toolboxWith('\t'),
        fixture('clienttoolbox', 'transactions_20100315_visits-data.psv'),
      ];
    case 'carma-purchase-history':
      return [fixture('carma', 'purchasehistory_L1_example.csv')];
  }
}

/** CrowdTwist inputs past this many need a partner of their own (each day is used once). */
export const DAYS_PER_PARTNER = 12_000;

const DAY_MS = 86_400_000;
const FIRST_DAY = Date.UTC(1990, 0, 1);

/**
 * A name for input `n` of `format`, unique within the run. CrowdTwist files get a day of their
 * own each (counter 0001), so none waits for a predecessor that was refused: {@link DAYS_PER_PARTNER}
 * days from 1990 on, all before today; the fuzz run gives the inputs past them another partner.
 */
export function nameOf(format: FormatId, n: number, seed: number, clientId: string): string {
  switch (format) {
    case 'crowdtwist-pos': {
      const day = new Date(FIRST_DAY + (n % DAYS_PER_PARTNER) * DAY_MS).toISOString().slice(0, 10).replaceAll('-', '');
      return `${day}_0001_${clientId}_pos_fuzz-${n}.json`;
    }
    case 'pbj-offline-sales':
      return `direct-mail_20-04-2020_${n}.csv`;
    case 'clienttoolbox-transactions':
      return `transactions_20100315_${n}.${['psv', 'psv', 'csv', 'tsv'][seed] ?? 'psv'}`;
    case 'carma-purchase-history':
      return `purchasehistory_L1_${n}.csv`;
  }
}
