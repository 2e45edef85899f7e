/** A statement group that must commit together, on a pool or inside the caller's transaction. */
import type pg from 'pg';

/**
 * Commits the client's transaction. PostgreSQL answers the COMMIT of a transaction that had
 * failed with ROLLBACK and no error: that is thrown here, so that a statement whose error was
 * caught and gone on from can never let the file pass as stored.
 */
export async function commit(client: pg.ClientBase): Promise<void> {
  const result = await client.query('COMMIT');
  if (result.command === 'ROLLBACK') throw new Error('the transaction had failed, and PostgreSQL rolled it back at COMMIT');
}

/** `work` in a transaction of its own on a pooled client, or in the caller's when given its client. */
export async function inTransaction<T>(db: pg.Pool | pg.ClientBase, work: (client: pg.ClientBase) => Promise<T>): Promise<T> {
  if (!isPool(db)) return work(db);
  const client = await db.connect();
  let broken: unknown;
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await commit(client);
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
