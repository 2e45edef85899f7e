/**
 * PostgreSQL's step 19 drops the foreign keys of a CrowdTwist batch's rows, whose check costs a
 * query per row there; SQLite checks a key in-process, for the price of an index lookup, and
 * keeps them. The step is numbered on both engines, so that one schema version means one schema.
 */
export const bulkRowKeys = {
  version: 19,
  name: 'bulk-row-keys',
  sql: `-- SQLite keeps the foreign keys of the CrowdTwist tables: nothing to change.`,
} as const;
