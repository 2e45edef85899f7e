/**
 * Work claims on PostgreSQL (see `store/claims.ts`). The row lock is the truth of who has a file:
 * `FOR UPDATE SKIP LOCKED` passes over a file another node's transaction holds, and a node's
 * locks end with its connection. The lease says the same to whoever reads the claims, and lets a
 * takeover wait until a node that merely paused has had its chance.
 */
import type pg from 'pg';
import type { FileRecord } from '../files.js';
import { ABANDONED_SQL, abandonedOf, claimOf, type Abandoned, type AbandonedRow, type Claim, type ClaimStore } from '../claims.js';

export class PostgresClaimStore implements ClaimStore {
  constructor(private readonly db: pg.Pool | pg.ClientBase) {}

  async lockQueued(fileId: number) {
    return this.lockIf(fileId, 'queued');
  }

  async hold(fileId: number): Promise<void> {
    await this.db.query('SELECT 1 FROM files WHERE id = $1 FOR UPDATE', [fileId]);
  }

  async take(fileId: number, node: string, at: string, leaseUntil: string): Promise<void> {
    await this.db.query(
      `INSERT INTO claims (file_id, node_id, claimed_at, lease_until) VALUES ($1, $2, $3, $4)
       ON CONFLICT (file_id) DO UPDATE SET node_id = excluded.node_id, claimed_at = excluded.claimed_at, lease_until = excluded.lease_until`,
      [fileId, node, at, leaseUntil],
    );
  }

  async release(fileId: number): Promise<void> {
    await this.db.query('DELETE FROM claims WHERE file_id = $1', [fileId]);
  }

  async renew(node: string, leaseUntil: string): Promise<number> {
    const result = await this.db.query('UPDATE claims SET lease_until = $1 WHERE node_id = $2', [leaseUntil, node]);
    return result.rowCount ?? 0;
  }

  async abandoned(at: string, earlierRun?: string): Promise<Abandoned[]> {
    let n = 0;
    const { rows } = await this.db.query<AbandonedRow>(ABANDONED_SQL.replace(/\?/g, () => `$${++n}::text`), [earlierRun ?? null, at]);
    return rows.map(abandonedOf);
  }

  async lockAbandoned(fileId: number) {
    return this.lockIf(fileId, 'processing');
  }

  async list(): Promise<Claim[]> {
    const { rows } = await this.db.query('SELECT * FROM claims ORDER BY file_id');
    return rows.map(claimOf);
  }

  private async lockIf(fileId: number, state: FileRecord['state']): Promise<FileRecord['state'] | undefined> {
    const { rows } = await this.db.query<{ state: FileRecord['state'] }>('SELECT state FROM files WHERE id = $1 AND state = $2 FOR UPDATE SKIP LOCKED', [fileId, state]);
    return rows[0]?.state;
  }
}
