/**
 * Work claims: which node has a file in hand. A node takes a `queued` file by moving it to
 * `processing` with a claim whose lease it renews while it works; the file's own transaction
 * holds the file's row from its first statement to its commit. A node that dies loses both: its
 * transaction is rolled back, its lease runs out, and another node takes the file over
 * (`takeOver`), logged with whose lease ran out. Exactly once still rests on the file's one
 * transaction: a takeover can only find the file as it was before that transaction.
 *
 * On SQLite one node and one writer make the locks moot; the claims are kept alike, so a
 * restart recovers through the same takeover.
 */
import type { Db } from './database.js';
import type { FileRecord } from './files.js';

/** A claim as stored. */
export interface Claim {
  fileId: number;
  nodeId: string;
  claimedAt: string;
  leaseUntil: string;
}

/** A `processing` file that may be taken over, and whose claim it was (none: a claim never written). */
export interface Abandoned {
  fileId: number;
  nodeId: string | null;
  leaseUntil: string | null;
}

export interface ClaimStore {
  /**
   * Inside a transaction: the file if it is `queued` and no other transaction holds it, locked
   * until this one ends; undefined when another node has it or it moved on.
   */
  lockQueued(fileId: number): Promise<FileRecord['state'] | undefined>;
  /** Inside the file's transaction, first: its row is this transaction's until the commit. */
  hold(fileId: number): Promise<void>;
  /** Inside a transaction: `node` has the file until `leaseUntil`. */
  take(fileId: number, node: string, at: string, leaseUntil: string): Promise<void>;
  /** Inside a transaction: the file is out of hand (final, or queued again). */
  release(fileId: number): Promise<void>;
  /** Every claim of `node` lasts until `leaseUntil` now; how many it holds. */
  renew(node: string, leaseUntil: string): Promise<number>;
  /**
   * `processing` files no live node holds: claimed with a lease ended before `at`, never claimed
   * (a posdrop before claims), or claimed by `earlierRun` (this node's run before a restart).
   */
  abandoned(at: string, earlierRun?: string): Promise<Abandoned[]>;
  /**
   * Inside a transaction: locks `fileId` when it is still `processing` and no transaction holds
   * it (its node's transaction is gone), else undefined.
   */
  lockAbandoned(fileId: number): Promise<FileRecord['state'] | undefined>;
  list(): Promise<Claim[]>;
}

interface ClaimRow {
  file_id: number;
  node_id: string;
  claimed_at: string;
  lease_until: string;
}

export function claimOf(row: ClaimRow): Claim {
  return { fileId: row.file_id, nodeId: row.node_id, claimedAt: row.claimed_at, leaseUntil: row.lease_until };
}

export interface AbandonedRow {
  file_id: number;
  node_id: string | null;
  lease_until: string | null;
}

export function abandonedOf(row: AbandonedRow): Abandoned {
  return { fileId: row.file_id, nodeId: row.node_id, leaseUntil: row.lease_until };
}

/** The SQL both engines share, with `?` for SQLite; PostgreSQL numbers them. */
export const ABANDONED_SQL = `SELECT f.id AS file_id, c.node_id, c.lease_until FROM files f LEFT JOIN claims c ON c.file_id = f.id
  WHERE f.state = 'processing' AND (c.file_id IS NULL OR c.node_id = ? OR c.lease_until < ?) ORDER BY f.id`;

/** SQLite: one writer, so a lock is the write lock the caller already holds. */
export class SqliteClaimStore implements ClaimStore {
  constructor(private readonly db: Db) {}

  async lockQueued(fileId: number) {
    return this.stateIf(fileId, 'queued');
  }

  async hold(): Promise<void> {}

  async take(fileId: number, node: string, at: string, leaseUntil: string): Promise<void> {
    this.db
      .prepare(
        `INSERT INTO claims (file_id, node_id, claimed_at, lease_until) VALUES (?, ?, ?, ?)
         ON CONFLICT (file_id) DO UPDATE SET node_id = excluded.node_id, claimed_at = excluded.claimed_at, lease_until = excluded.lease_until`,
      )
      .run(fileId, node, at, leaseUntil);
  }

  async release(fileId: number): Promise<void> {
    this.db.prepare('DELETE FROM claims WHERE file_id = ?').run(fileId);
  }

  async renew(node: string, leaseUntil: string): Promise<number> {
    return this.db.prepare('UPDATE claims SET lease_until = ? WHERE node_id = ?').run(leaseUntil, node).changes;
  }

  async abandoned(at: string, earlierRun?: string): Promise<Abandoned[]> {
    return (this.db.prepare(ABANDONED_SQL).all(earlierRun ?? null, at) as AbandonedRow[]).map(abandonedOf);
  }

  async lockAbandoned(fileId: number) {
    return this.stateIf(fileId, 'processing');
  }

  async list(): Promise<Claim[]> {
    return (this.db.prepare('SELECT * FROM claims ORDER BY file_id').all() as ClaimRow[]).map(claimOf);
  }

  private stateIf(fileId: number, state: FileRecord['state']): FileRecord['state'] | undefined {
    const row = this.db.prepare('SELECT state FROM files WHERE id = ?').get(fileId) as { state: FileRecord['state'] } | undefined;
    return row?.state === state ? row.state : undefined;
  }
}
