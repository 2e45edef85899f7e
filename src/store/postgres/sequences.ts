/**
 * Counter sequences on PostgreSQL. Writes run on the client of the file's transaction (reads may use the pool), and
 * `serialise` takes a transaction-scoped advisory lock on the sequence (partner, format, day), so
 * 0002 on one node waits for 0001's transaction on another and then reads the counter it left.
 */
import type pg from 'pg';
import { skipOf, type SequenceKey, type SequenceSkip, type SkipRow } from '../sequences.js';
import type { SequenceStoreAsync } from '../sequence-store.js';


export class PostgresSequenceStore implements SequenceStoreAsync {
  constructor(
    private readonly client: pg.Pool | pg.ClientBase,
    private readonly now: () => Date,
  ) {}

  async serialise(key: SequenceKey): Promise<void> {
    // Two int4 keys: a class of posdrop's own, and the sequence's hash (a collision only serialises more).
    await this.client.query("SELECT pg_advisory_xact_lock($1, hashtext($2))", [SEQUENCE_LOCK_CLASS, `${key.partner}\n${key.format}\n${key.day}`]);
  }

  async lastProcessed(key: SequenceKey): Promise<number> {
    const { rows } = await this.client.query<{ last_processed: number }>(
      'SELECT last_processed FROM sequences WHERE partner_id = $1 AND format = $2 AND day = $3',
      [key.partner, key.format, key.day],
    );
    return rows[0]?.last_processed ?? 0;
  }

  async setLastProcessed(key: SequenceKey, counter: number): Promise<void> {
    await this.client.query(
      `INSERT INTO sequences (partner_id, format, day, last_processed, updated_at) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (partner_id, format, day) DO UPDATE SET last_processed = excluded.last_processed, updated_at = excluded.updated_at`,
      [key.partner, key.format, key.day, counter, this.now().toISOString()],
    );
  }

  async addSkip(key: SequenceKey, skip: Omit<SequenceSkip, 'releasedAt'>): Promise<SequenceSkip> {
    const releasedAt = this.now().toISOString();
    await this.client.query(
      `INSERT INTO sequence_skips (partner_id, format, day, from_counter, through_counter, reason, released_by, released_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [key.partner, key.format, key.day, skip.fromCounter, skip.throughCounter, skip.reason, skip.releasedBy, releasedAt],
    );
    return { ...skip, releasedAt };
  }

  async skips(key: SequenceKey): Promise<SequenceSkip[]> {
    const { rows } = await this.client.query<SkipRow>(
      `SELECT from_counter, through_counter, reason, released_by, released_at FROM sequence_skips
       WHERE partner_id = $1 AND format = $2 AND day = $3 ORDER BY id`,
      [key.partner, key.format, key.day],
    );
    return rows.map(skipOf);
  }
}

/** The first key of every sequence lock: 'seq' in ASCII, apart from the migration lock. */
const SEQUENCE_LOCK_CLASS = 0x736571;
