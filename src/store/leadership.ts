/**
 * Which node runs the cluster's scheduled jobs (retention, summaries, stale holds): they must
 * run once per cluster, not once per node. On SQLite the one node always leads. On PostgreSQL the
 * leader is the node holding a session advisory lock on a connection of its own: the lock ends
 * with that connection, so when the leader dies another node's next attempt takes it.
 */
import type pg from 'pg';
import type { Log } from '../log.js';

export interface Leadership {
  /** Whether this node leads now; a node that does not tries to become the leader. */
  isLeader(): Promise<boolean>;
  /** Gives leadership up (at stop), so another node takes it at its next attempt. */
  stop(): Promise<void>;
}

/** One node, one leader. */
export const soleLeader: Leadership = {
  isLeader: async () => true,
  stop: async () => undefined,
};

const LEADER_LOCK = [0x6c6561, 0] as const; // 'lea'

export class PostgresLeadership implements Leadership {
  private client: pg.PoolClient | undefined;

  constructor(
    private readonly pool: pg.Pool,
    private readonly node: string,
    private readonly log: Log,
  ) {}

  async isLeader(): Promise<boolean> {
    if (this.client) {
      try {
        await this.client.query('SELECT 1');
        return true;
      } catch {
        this.lost(new Error('its connection ended'));
      }
    }
    const client = await this.pool.connect();
    try {
      const { rows } = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1, $2) AS locked', [...LEADER_LOCK]);
      if (!rows[0]?.locked) {
        client.release();
        return false;
      }
    } catch (err) {
      client.release(err instanceof Error ? err : undefined);
      throw err;
    }
    this.client = client;
    client.on('error', (err) => this.lost(err));
    this.log.info('cluster.leader', { node: this.node });
    return true;
  }

  async stop(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    if (!client) return;
    await client.query('SELECT pg_advisory_unlock($1, $2)', [...LEADER_LOCK]).catch(() => undefined);
    client.release();
  }

  private lost(err: Error): void {
    const client = this.client;
    this.client = undefined;
    if (!client) return;
    this.log.warn('cluster.leadership_lost', { node: this.node, error: err.message });
    // Destroyed, not returned: a connection that failed must not go back to the pool.
    client.release(err);
  }
}
