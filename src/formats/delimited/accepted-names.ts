/** The `accepted_names` table: names a `names: 'once'` format has accepted, per partner. */
import type { Db } from '../../store/database.js';
import type { EngineHandle, Store } from '../../store/store.js';

/** Who holds a name of a name-once format: the file whose processing claimed it. */
export interface NameClaim {
  partner: string;
  format: string;
  name: string;
  fileId: number;
}

/** The id of the file that holds the name, if one does: the one check behind every answer about it. */
export function nameHolder(db: Db, claim: Omit<NameClaim, 'fileId'>): number | undefined {
  return db
    .prepare('SELECT file_id FROM accepted_names WHERE partner_id = ? AND format = ? AND name = ?')
    .pluck()
    .get(claim.partner, claim.format, claim.name) as number | undefined;
}

/**
 * Uses up the name for `claim.fileId`, inside the file's transaction: a file refused rolls back,
 * so it does not use the name up. False when another file already has it; true for the file
 * that has it (processed again). On PostgreSQL the insert comes first: a file of another node
 * claiming the same name at once waits on the row, and then finds it taken.
 */
export async function claimName(handle: EngineHandle, claim: NameClaim): Promise<boolean> {
  if (handle.engine === 'sqlite') {
    const owner = nameHolder(handle.db, claim);
    if (owner !== undefined) return owner === claim.fileId;
    handle.db
      .prepare('INSERT INTO accepted_names (partner_id, format, name, file_id) VALUES (?, ?, ?, ?)')
      .run(claim.partner, claim.format, claim.name, claim.fileId);
    return true;
  }
  const { client } = handle;
  const params = [claim.partner, claim.format, claim.name];
  const inserted = await client.query(
    'INSERT INTO accepted_names (partner_id, format, name, file_id) VALUES ($1, $2, $3, $4) ON CONFLICT (partner_id, format, name) DO NOTHING',
    [...params, claim.fileId],
  );
  if (inserted.rowCount === 1) return true;
  const owner = await client.query<{ file_id: number }>('SELECT file_id FROM accepted_names WHERE partner_id = $1 AND format = $2 AND name = $3', params);
  return owner.rows[0]?.file_id === claim.fileId;
}

/**
 * The names already used, as committed, so an upload is never refused for a claim that a file
 * still in hand may yet roll back (the claim in the file's transaction stays the final word). On
 * PostgreSQL the store's reads outside a transaction see committed rows only. On SQLite the
 * store's connection also sees the open file's transaction, so the names are read on a
 * connection of their own (the daemon's read-only one) given instead of the store.
 */
export class UsedNames {
  constructor(private readonly committed: Store | Db) {}

  async used(partner: string, format: string, name: string): Promise<boolean> {
    const claim = { partner, format, name };
    if (!('engine' in this.committed)) return nameHolder(this.committed, claim) !== undefined;
    const store = this.committed;
    if (store.engine === 'sqlite') throw new Error('on SQLite the names used are read on a read-only connection of their own, not the store');
    // a transaction of its own that stores nothing: on PostgreSQL it reads what is committed
    return store.rolledBack(async (tx) => {
      if (tx.handle.engine !== 'postgres') throw new Error('a PostgreSQL store without a PostgreSQL transaction');
      const found = await tx.handle.client.query('SELECT 1 FROM accepted_names WHERE partner_id = $1 AND format = $2 AND name = $3', [partner, format, name]);
      return found.rows.length > 0;
    });
  }
}
