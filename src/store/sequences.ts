/**
 * The `sequences` and `sequence_skips` tables: per partner, format and day, the last counter
 * processed, and the gaps operators skipped on purpose. Callers hold the write lock and write
 * here in the same transaction as the file's state.
 */
import type { Db } from './database.js';

/** One counter sequence. */
export interface SequenceKey {
  partner: string;
  format: string;
  /** `YYYY-MM-DD`. */
  day: string;
}

/** A gap an operator skipped: who, when and why. */
export interface SequenceSkip {
  fromCounter: number;
  throughCounter: number;
  reason: string;
  releasedBy: string;
  releasedAt: string;
}

/** A `sequence_skips` row as either engine returns it. */
export interface SkipRow {
  from_counter: number;
  through_counter: number;
  reason: string;
  released_by: string;
  released_at: string;
}

/** Reads and writes sequence state; callers hold the write lock. */
export class SequenceStore {
  constructor(
    private readonly db: Db,
    private readonly now: () => Date,
  ) {}

  /** The last counter processed (or skipped) in the sequence; 0 before its first file. */
  lastProcessed(key: SequenceKey): number {
    const row = this.db
      .prepare('SELECT last_processed FROM sequences WHERE partner_id = ? AND format = ? AND day = ?')
      .get(key.partner, key.format, key.day) as { last_processed: number } | undefined;
    return row?.last_processed ?? 0;
  }

  setLastProcessed(key: SequenceKey, counter: number): void {
    this.db
      .prepare(
        `INSERT INTO sequences (partner_id, format, day, last_processed, updated_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (partner_id, format, day) DO UPDATE SET last_processed = excluded.last_processed, updated_at = excluded.updated_at`,
      )
      .run(key.partner, key.format, key.day, counter, this.now().toISOString());
  }

  addSkip(key: SequenceKey, skip: Omit<SequenceSkip, 'releasedAt'>): SequenceSkip {
    const releasedAt = this.now().toISOString();
    this.db
      .prepare(
        `INSERT INTO sequence_skips (partner_id, format, day, from_counter, through_counter, reason, released_by, released_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(key.partner, key.format, key.day, skip.fromCounter, skip.throughCounter, skip.reason, skip.releasedBy, releasedAt);
    return { ...skip, releasedAt };
  }

  skips(key: SequenceKey): SequenceSkip[] {
    const rows = this.db
      .prepare(
        `SELECT from_counter, through_counter, reason, released_by, released_at FROM sequence_skips
         WHERE partner_id = ? AND format = ? AND day = ? ORDER BY id`,
      )
      .all(key.partner, key.format, key.day) as SkipRow[];
    return rows.map(skipOf);
  }
}

/** A stored skip row as the skip it records, on either engine. */
export function skipOf(row: SkipRow): SequenceSkip {
  return {
    fromCounter: row.from_counter,
    throughCounter: row.through_counter,
    reason: row.reason,
    releasedBy: row.released_by,
    releasedAt: row.released_at,
  };
}
