/** The `record_errors` table. */
import type { RecordError } from '../core/record-error.js';
import { clipValue } from '../core/record-error.js';
import type { Db } from './database.js';

interface ErrorRow {
  position: number;
  record_key: string | null;
  field: string | null;
  code: string;
  message: string;
  value: string | null;
}

export class RecordErrorStore {
  constructor(private readonly db: Db) {}

  /** Replaces the stored errors of `fileId` (a file processed again keeps only its last run). */
  replace(fileId: number, errors: readonly RecordError[], notStored: number): void {
    this.db.prepare('DELETE FROM record_errors WHERE file_id = ?').run(fileId);
    const insert = this.db.prepare(
      'INSERT INTO record_errors (file_id, position, record_key, field, code, message, value) VALUES (?, ?, ?, ?, ?, ?, ?)',
    );
    for (const error of errors) {
      insert.run(fileId, error.position, error.key ?? null, error.field ?? null, error.code, error.message, clipValue(error.value) ?? null);
    }
    this.db.prepare('UPDATE files SET errors_not_stored = ? WHERE id = ?').run(notStored, fileId);
  }

  list(fileId: number, limit = 1_000_000): RecordError[] {
    const rows = this.db
      .prepare('SELECT position, record_key, field, code, message, value FROM record_errors WHERE file_id = ? ORDER BY id LIMIT ?')
      .all(fileId, limit) as ErrorRow[];
    return rows.map((row) => ({
      position: row.position,
      key: row.record_key ?? undefined,
      field: row.field ?? undefined,
      code: row.code,
      message: row.message,
      value: row.value ?? undefined,
    }));
  }

  /** How many errors are stored for `fileId`. */
  count(fileId: number): number {
    const row = this.db.prepare('SELECT count(*) AS n FROM record_errors WHERE file_id = ?').get(fileId) as { n: number };
    return row.n;
  }

  notStored(fileId: number): number {
    const row = this.db.prepare('SELECT errors_not_stored AS n FROM files WHERE id = ?').get(fileId) as { n: number } | undefined;
    return row?.n ?? 0;
  }
}
