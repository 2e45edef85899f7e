/**
 * The `nodes` table (migration 18): each posdrop daemon sharing the store writes its row at start
 * (`announce`) and beats it while it runs, so `posdrop status`, from any node, lists the nodes
 * and which of them are alive. One daemon on SQLite has one row, the same way.
 */
import type { Db } from './database.js';
import { Statements } from './statements.js';

/**
 * How often a running daemon beats its node row. A node is alive while its last beat is at most
 * `NODE_ALIVE_MS` old: three beats missed, so one slow write (a busy database) never reads as a
 * dead node.
 */
export const NODE_BEAT_MS = 10_000;

/** A node whose last beat is older than this is taken for dead. */
export const NODE_ALIVE_MS = 3 * NODE_BEAT_MS;

/** A node as it announced itself, with its last beat. */
export interface ClusterNode {
  id: string;
  startedAt: string;
  beatAt: string;
  version: string;
  pid: number;
}

/** What a daemon says of itself at start. */
export interface NodeAnnouncement {
  id: string;
  startedAt: Date;
  version: string;
  pid: number;
}

/** The nodes, whatever engine holds them (PostgreSQL: `postgres/nodes.ts`). */
export interface NodeStore {
  /** Writes (or, for a node id seen before, rewrites) the node's row; its first beat is its start. */
  announce(node: NodeAnnouncement): Promise<void>;
  /** The node's beat; false when it has no row (announce it again). */
  beat(id: string, at: Date): Promise<boolean>;
  /** Every node that ever announced itself, by id. */
  list(): Promise<ClusterNode[]>;
}

/** Whether `node` beat within `NODE_ALIVE_MS` of `now`. */
export function nodeAlive(node: Pick<ClusterNode, 'beatAt'>, now: Date): boolean {
  return now.getTime() - Date.parse(node.beatAt) <= NODE_ALIVE_MS;
}

/** A `nodes` row as both engines return it. */
export interface NodeRow {
  id: string;
  started_at: string;
  beat_at: string;
  version: string;
  pid: number;
}

/** The row mapper of `nodes`, one for both engines. */
export function toNode(row: NodeRow): ClusterNode {
  return { id: row.id, startedAt: row.started_at, beatAt: row.beat_at, version: row.version, pid: Number(row.pid) };
}

export class SqliteNodeStore implements NodeStore {
  private readonly sql: Statements;

  constructor(db: Db) {
    this.sql = new Statements(db);
  }

  async announce(node: NodeAnnouncement): Promise<void> {
    const at = node.startedAt.toISOString();
    this.sql
      .get(
        `INSERT INTO nodes (id, started_at, beat_at, version, pid) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (id) DO UPDATE SET started_at = excluded.started_at, beat_at = excluded.beat_at, version = excluded.version, pid = excluded.pid`,
      )
      .run(node.id, at, at, node.version, node.pid);
  }

  async beat(id: string, at: Date): Promise<boolean> {
    return this.sql.get('UPDATE nodes SET beat_at = ? WHERE id = ?').run(at.toISOString(), id).changes > 0;
  }

  async list(): Promise<ClusterNode[]> {
    return (this.sql.get('SELECT id, started_at, beat_at, version, pid FROM nodes ORDER BY id').all() as NodeRow[]).map(toNode);
  }
}
