/**
 * Step 19: the lookups and checks of a large file. Client Toolbox balances are found by customer
 * code (PostgreSQL reads a piece of input's customers' balances at once; `posdrop balances --code`
 * too), which their primary key, campaign first, cannot serve. PostgreSQL's side also drops the
 * CrowdTwist rows' foreign keys, whose check costs a query per row there; SQLite checks a key
 * in-process, for the price of an index lookup, and keeps them.
 */
export const bulkRowKeys = {
  version: 19,
  name: 'bulk-row-keys',
  sql: `CREATE INDEX toolbox_balances_by_code ON toolbox_balances (partner_id, code);`,
} as const;
