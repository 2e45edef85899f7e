/** The `record_errors` table. */
import type { RecordError } from '../core/record-error.js';
import { storedError } from '../core/record-error.js';
import type { Db } from './database.js';
import { Statements } from './statements.js';

/** A `record_errors` row as the table stores it (the read model reads the same columns). */
export interface ErrorRow {
  position: number;
  record_key: string | null;
  field: string | null;
  code: string;
  message: string;
  value: string | null;
}

export class RecordErrorStore {
  private readonly sql: Statements;

  constructor(private readonly db: Db) {
    this.sql = new Statements(db);
  }

  /** Replaces the stored errors of `fileId` (a file processed again keeps only its last run). */
  replace(fileId: number, errors: readonly RecordError[], notStored: number): void {
    this.sql.get('DELETE FROM record_errors WHERE file_id = ?').run(fileId);
    const insert = this.sql.get(
      'INSERT INTO record_errors (file_id, position, record_key, field, code, message, value) VALUES (?, ?, ?, ?, ?, ?, ?)',
    );
    for (const error of errors) {
      const stored = storedError(error);
      insert.run(fileId, stored.position, stored.key ?? null, stored.field ?? null, stored.code, stored.message, stored.value ?? null);
    }
    this.sql.get('UPDATE files SET errors_not_stored = ? WHERE id = ?').run(notStored, fileId);
  }

  list(fileId: number, limit = 1_000_000): RecordError[] {
    const rows = this.sql
      .get('SELECT position, record_key, field, code, message, value FROM record_errors WHERE file_id = ? ORDER BY id LIMIT ?')
      .all(fileId, limit) as ErrorRow[];
    return rows.map(recordErrorOf);
  }

  /** How many errors are stored for `fileId`. */
  count(fileId: number): number {
    const row = this.sql.get('SELECT count(*) AS n FROM record_errors WHERE file_id = ?').get(fileId) as { n: number };
    return row.n;
  }

  notStored(fileId: number): number {
    const row = this.sql.get('SELECT errors_not_stored AS n FROM files WHERE id = ?').get(fileId) as { n: number } | undefined;
    return row?.n ?? 0;
  }

  /**
   * Deletes the errors of files processed before `before`, and with them each failed CrowdTwist
   * request as sent (kept exactly as long as its errors); returns how many errors went. Awaited,
   * as the PostgreSQL store's will be.
   */
  async forgetFilesProcessedBefore(before: Date): Promise<number> {
    const old = 'SELECT id FROM files WHERE processed_at < ?';
    const at = before.toISOString();
    return this.db.transaction(() => {
      this.sql.get(`DELETE FROM crowdtwist_failed_requests WHERE file_id IN (${old})`).run(at);
      return this.sql.get(`DELETE FROM record_errors WHERE file_id IN (${old})`).run(at).changes;
    })();
  }
}

/** A stored row as the record error it was, on either engine (NULL columns are absent fields). */
export function recordErrorOf(row: ErrorRow): RecordError {
  return {
    position: row.position,
    key: row.record_key ?? undefined,
    field: row.field ?? undefined,
    code: row.code,
    message: row.message,
    value: row.value ?? undefined,
  };
}
