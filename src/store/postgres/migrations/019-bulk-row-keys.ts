/**
 * Client Toolbox balances by customer code, as SQLite's 019; and the foreign keys of a CrowdTwist
 * batch's rows go (SQLite's 019 keeps its own). PostgreSQL
 * checks each with a query per row, from a trigger: on a 51 MB batch, half of the ingest's time
 * (13.3 s against 7.3 s without them, `npm run bench cluster`). These rows are written only by
 * their file's store, by COPY, a purchase before its items, returns and fulfillments, in the
 * file's one transaction, with ids the store took from the parents' sequences; nothing deletes
 * them, nor the files and partners they name. What the keys guarded stays guarded by that, and
 * by the SQLite suite, whose tables keep them.
 */
const DROPPED: readonly [table: string, column: string][] = [
  ['crowdtwist_purchases', 'partner_id'],
  ['crowdtwist_purchases', 'file_id'],
  ['crowdtwist_items', 'purchase_id'],
  ['crowdtwist_tenders', 'purchase_id'],
  ['crowdtwist_coupons', 'purchase_id'],
  ['crowdtwist_returns', 'partner_id'],
  ['crowdtwist_returns', 'file_id'],
  ['crowdtwist_returns', 'purchase_id'],
  ['crowdtwist_return_items', 'return_row'],
  ['crowdtwist_fulfillments', 'partner_id'],
  ['crowdtwist_fulfillments', 'file_id'],
  ['crowdtwist_fulfillments', 'purchase_id'],
  ['crowdtwist_fulfillment_items', 'fulfillment_row'],
  ['crowdtwist_failed_requests', 'file_id'],
];

export const bulkRowKeys = {
  version: 19,
  name: 'bulk-row-keys',
  sql: [
    'CREATE INDEX toolbox_balances_by_code ON toolbox_balances (partner_id, code);',
    ...DROPPED.map(([table, column]) => `ALTER TABLE ${table} DROP CONSTRAINT ${table}_${column}_fkey;`),
  ].join('\n'),
} as const;
