/** A statement group that must commit together, on a pool or inside the caller's transaction. */
import type pg from 'pg';

/** `work` in a transaction of its own on a pooled client, or in the caller's when given its client. */
export async function inTransaction<T>(db: pg.Pool | pg.ClientBase, work: (client: pg.ClientBase) => Promise<T>): Promise<T> {
  if (!isPool(db)) return work(db);
  const client = await db.connect();
  let broken: unknown;
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    await client.query('ROLLBACK').catch((rollbackFailed: unknown) => (broken = rollbackFailed));
    throw err;
  } finally {
    // A client whose rollback failed may still hold the transaction: the pool must not hand it out again.
    client.release(broken instanceof Error ? broken : undefined);
  }
}

export function isPool(db: pg.Pool | pg.ClientBase): db is pg.Pool {
  return 'totalCount' in db;
}
