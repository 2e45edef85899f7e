/**
 * Transaction-scoped advisory locks that serialise one partner's writes to a format's tables
 * across nodes: a file judges its lines against what is stored (a key used, a balance), so two
 * files of one partner on two nodes must not both judge before either has written. The lock is
 * released with the file's transaction; the second file then reads what the first committed.
 */
import type pg from 'pg';

/** One class per table family, beside those of sequences ('seq'), names ('nam') and the leader ('lea'). */
export const FORMAT_LOCK = {
  pbjSales: 0x70626a, // 'pbj'
  toolbox: 0x746278, // 'tbx'
  crowdtwist: 0x637774, // 'cwt'
} as const;

/** Waits for, then holds until the transaction ends, the lock of `key` (a partner, a channel) in `lockClass`. */
export async function lockFormatKey(client: pg.ClientBase, lockClass: number, key: string): Promise<void> {
  await client.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [lockClass, key]);
}
