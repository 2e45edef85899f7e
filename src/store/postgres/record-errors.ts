/**
 * Record errors on PostgreSQL. A file's errors are written on the client of its transaction;
 * they go in one multi-row INSERT per thousand (a file may have a million bad lines).
 */
import type pg from 'pg';
import { storedError, type RecordError } from '../../core/record-error.js';
import { recordErrorOf, type ErrorRow } from '../record-errors.js';
import type { RecordErrorStoreAsync } from '../record-error-store.js';

const ROWS_PER_INSERT = 1000;

export class PostgresRecordErrorStore implements RecordErrorStoreAsync {
  constructor(private readonly db: pg.Pool | pg.ClientBase) {}

  async replace(fileId: number, errors: readonly RecordError[], notStored: number): Promise<void> {
    await this.db.query('DELETE FROM record_errors WHERE file_id = $1', [fileId]);
    for (let start = 0; start < errors.length; start += ROWS_PER_INSERT) {
      const slice = errors.slice(start, start + ROWS_PER_INSERT);
      const params: unknown[] = [];
      const tuples = slice.map((error) => {
        const stored = storedError(error);
        params.push(fileId, stored.position, stored.key ?? null, stored.field ?? null, stored.code, stored.message, stored.value ?? null);
        const at = params.length - 6;
        return `($${at}, $${at + 1}, $${at + 2}, $${at + 3}, $${at + 4}, $${at + 5}, $${at + 6})`;
      });
      await this.db.query(`INSERT INTO record_errors (file_id, position, record_key, field, code, message, value) VALUES ${tuples.join(', ')}`, params);
    }
    await this.db.query('UPDATE files SET errors_not_stored = $1 WHERE id = $2', [notStored, fileId]);
  }

  async list(fileId: number, limit = 1_000_000): Promise<RecordError[]> {
    const { rows } = await this.db.query<ErrorRow>(
      'SELECT position, record_key, field, code, message, value FROM record_errors WHERE file_id = $1 ORDER BY id LIMIT $2',
      [fileId, limit],
    );
    return rows.map(recordErrorOf);
  }

  async count(fileId: number): Promise<number> {
    const { rows } = await this.db.query<{ n: number }>('SELECT count(*) AS n FROM record_errors WHERE file_id = $1', [fileId]);
    return Number(rows[0]?.n ?? 0);
  }

  async notStored(fileId: number): Promise<number> {
    const { rows } = await this.db.query<{ n: number }>('SELECT errors_not_stored AS n FROM files WHERE id = $1', [fileId]);
    return rows[0]?.n ?? 0;
  }

  async forgetFilesProcessedBefore(before: Date): Promise<number> {
    const old = 'SELECT id FROM files WHERE processed_at < $1';
    const at = before.toISOString();
    // One statement: both deletes commit together without a transaction of their own.
    const { rows } = await this.db.query<{ n: number }>(
      `WITH requests AS (DELETE FROM crowdtwist_failed_requests WHERE file_id IN (${old})),
            errors AS (DELETE FROM record_errors WHERE file_id IN (${old}) RETURNING 1)
       SELECT count(*) AS n FROM errors`,
      [at],
    );
    return Number(rows[0]?.n ?? 0);
  }
}
