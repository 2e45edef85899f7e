/**
 * The rows a piece of input asks about, by unique key: one index probe per key. The plain
 * `WHERE partner_id = $1 AND key = ANY($2)` lets the planner, whenever its statistics say the
 * partner has few rows (a table never analysed, a new partner, rows this very transaction wrote),
 * read every row of the partner through the index and filter the keys afterwards: each lookup then
 * costs as much as the partner's rows, and a 50 MB file's lookups grow with the square of its
 * lines. Probing each key on its own (a LATERAL subquery that `LIMIT 1` keeps from being flattened
 * into a join) uses the whole unique index, whatever the statistics say.
 */
import type pg from 'pg';

export interface KeyedLookup {
  table: string;
  /** The columns returned (SQL, may alias). */
  columns: string;
  /** Equalities on the leading columns of the unique index (partner, channel), in its order. */
  scope: Readonly<Record<string, unknown>>;
  /** The index's last column, and its PostgreSQL type. */
  key: string;
  keyType: 'text' | 'bigint';
}

/** The rows of `lookup.table` holding one of `keys` within `lookup.scope`: at most one per key. */
export async function rowsByKeys<T extends pg.QueryResultRow>(client: pg.ClientBase, lookup: KeyedLookup, keys: readonly unknown[]): Promise<T[]> {
  if (keys.length === 0) return [];
  const scope = Object.keys(lookup.scope);
  const where = [...scope.map((column, at) => `${column} = $${at + 2}`), `${lookup.key} = k.key`].join(' AND ');
  const { rows } = await client.query<T>(
    `SELECT t.* FROM unnest($1::${lookup.keyType}[]) AS k(key)
     CROSS JOIN LATERAL (SELECT ${lookup.columns} FROM ${lookup.table} WHERE ${where} LIMIT 1) t`,
    [keys, ...Object.values(lookup.scope)],
  );
  return rows;
}
