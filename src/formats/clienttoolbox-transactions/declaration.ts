/**
 * Client Toolbox batch transactions as data: the delimiter follows the extension, a quote is data
 * (the guide knows no quoting), the header names the columns as the guide's `visits_header_N`
 * fields do (or, when the first line names none, the partner's configured order), a line may stop after `redeemed` (the guide's own example leaves `promo_id` off), bad
 * lines are skipped, and a batch posts each of its entries once (processed again, the lines it
 * posted are duplicates).
 */
import type { DelimitedDeclaration } from '../delimited/declaration.js';

const DELIMITERS: Record<string, string> = { psv: '|', csv: ',', tsv: '\t' };

/**
 * The column order of a headerless file unless the partner configures one: the guide's
 * points-campaign example as its data lines are written. The guide's `visits_header_N` list names
 * `campaign_id` first, but every one of its example lines starts with the card number
 * (`1111222233334444|12121|N|14,95|…`), and those lines are what partners copy.
 */
export const DEFAULT_COLUMN_ORDER = ['code', 'campaign_id', 'redeemed', 'amount', 'date', 'authorization', 'promo_id'] as const;

/** Column indexes in `values`, in declaration order. */
export const COL = { campaign: 0, code: 1, redeemed: 2, amount: 3, date: 4, authorization: 5, promo: 6, product: 7 } as const;

export const toolboxDeclaration: DelimitedDeclaration = {
  delimiter: (fields) => DELIMITERS[fields.ext ?? ''] ?? '|',
  quoting: 'none',
  layout: {
    kind: 'header',
    columns: [
      { name: 'campaign_id', kind: 'string', required: true },
      { name: 'code', kind: 'string', required: true },
      { name: 'redeemed', kind: 'flag', required: true },
      // read by the ledger rules: a reward id or an amount, depending on the campaign
      { name: 'amount', kind: 'string', required: false },
      { name: 'date', kind: 'date', required: false },
      { name: 'authorization', kind: 'string', required: false },
      { name: 'promo_id', kind: 'string', required: false },
      { name: 'service_product', kind: 'string', required: false },
    ],
    // the guide's PHP example sends `custom_field_3` as a header
    extraNames: /^custom_field_\d+$/,
    // the guide's Visits_Data has no header: the names travel beside it
    headerless: true,
  },
  shortLines: true,
  errorPolicy: 'skip-line',
  dedupe: { names: 'reusable', records: { kind: 'per-file' } },
  maxLineChars: 16 * 1024,
};
