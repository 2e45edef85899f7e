/** The `nodes` table on PostgreSQL: every daemon sharing the store, with its last beat. */
import type pg from 'pg';
import { toNode, type ClusterNode, type NodeAnnouncement, type NodeRow, type NodeStore } from '../nodes.js';

export class PostgresNodeStore implements NodeStore {
  constructor(private readonly db: pg.Pool | pg.ClientBase) {}

  async announce(node: NodeAnnouncement): Promise<void> {
    const at = node.startedAt.toISOString();
    await this.db.query(
      `INSERT INTO nodes (id, started_at, beat_at, version, pid) VALUES ($1, $2, $2, $3, $4)
       ON CONFLICT (id) DO UPDATE SET started_at = excluded.started_at, beat_at = excluded.beat_at, version = excluded.version, pid = excluded.pid`,
      [node.id, at, node.version, node.pid],
    );
  }

  async beat(id: string, at: Date): Promise<boolean> {
    const result = await this.db.query('UPDATE nodes SET beat_at = $1 WHERE id = $2', [at.toISOString(), id]);
    return (result.rowCount ?? 0) > 0;
  }

  async list(): Promise<ClusterNode[]> {
    // COLLATE "C": ids in byte order, as SQLite sorts them, whatever the database's collation.
    const { rows } = await this.db.query<NodeRow>('SELECT id, started_at, beat_at, version, pid FROM nodes ORDER BY id COLLATE "C"');
    return rows.map(toNode);
  }
}
