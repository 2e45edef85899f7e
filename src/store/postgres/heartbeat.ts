/** The heartbeat row on PostgreSQL: written to prove the database takes writes. */
import type pg from 'pg';
import type { Heartbeat, HeartbeatStore } from '../heartbeat.js';

export class PostgresHeartbeatStore implements HeartbeatStore {
  constructor(private readonly db: pg.Pool | pg.ClientBase) {}

  async beat(at: Date, pid = process.pid): Promise<void> {
    await this.db.query(
      `INSERT INTO heartbeat (id, at, pid) VALUES (1, $1, $2)
       ON CONFLICT (id) DO UPDATE SET at = excluded.at, pid = excluded.pid`,
      [at.toISOString(), pid],
    );
  }

  async last(): Promise<Heartbeat | undefined> {
    const { rows } = await this.db.query<Heartbeat>('SELECT at, pid FROM heartbeat WHERE id = 1');
    return rows[0];
  }
}
