/** The `heartbeat` row: written to prove the database takes writes. */
import type { Db } from './database.js';

/** Writes the heartbeat; the caller holds the write lock and its transaction. */
export function beat(db: Db, at: Date, pid = process.pid): void {
  db.prepare(
    `INSERT INTO heartbeat (id, at, pid) VALUES (1, ?, ?)
     ON CONFLICT (id) DO UPDATE SET at = excluded.at, pid = excluded.pid`,
  ).run(at.toISOString(), pid);
}
