/** The `heartbeat` row: written to prove the database takes writes. */
import type { Db } from './database.js';

/** Writes the heartbeat; the caller holds the write lock and its transaction. */
export function beat(db: Db, at: Date, pid = process.pid): void {
  db.prepare(
    `INSERT INTO heartbeat (id, at, pid) VALUES (1, ?, ?)
     ON CONFLICT (id) DO UPDATE SET at = excluded.at, pid = excluded.pid`,
  ).run(at.toISOString(), pid);
}

/** The last heartbeat written, if any. */
export interface Heartbeat {
  at: string;
  pid: number;
}

/** The heartbeat, whatever engine holds it (PostgreSQL: `postgres/heartbeat.ts`). */
export interface HeartbeatStore {
  /** Writes the heartbeat (inside the caller's transaction). */
  beat(at: Date, pid?: number): Promise<void>;
  last(): Promise<Heartbeat | undefined>;
}

export class SqliteHeartbeatStore implements HeartbeatStore {
  constructor(private readonly db: Db) {}

  async beat(at: Date, pid = process.pid): Promise<void> {
    beat(this.db, at, pid);
  }

  async last(): Promise<Heartbeat | undefined> {
    return this.db.prepare('SELECT at, pid FROM heartbeat WHERE id = 1').get() as Heartbeat | undefined;
  }
}
