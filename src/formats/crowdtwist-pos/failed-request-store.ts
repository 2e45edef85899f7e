/**
 * The `crowdtwist_failed_requests` table (migration 006): each failed request's type and text as
 * the partner sent it, so that `posdrop errors` can show what `<name>.errors.json` said after
 * retention has deleted it. Its record errors stay in `record_errors`, under the same position.
 */
import type { Db } from '../../store/database.js';
import { Statements } from '../../store/statements.js';

/** A failed request as stored. */
export interface StoredFailedRequest {
  /** Index in pos_data. */
  index: number;
  receiptId: string | null;
  /** `type` as written, when it was a string. */
  type: string | null;
  /** The element of pos_data exactly as it stands in the file. */
  request: string;
}

interface Row {
  position: number;
  receipt_id: string | null;
  type: string | null;
  request: string;
}

/** The failed CrowdTwist requests of each file as the partner sent them, for `posdrop errors`. */
export class FailedRequestStore {
  private readonly sql: Statements;

  constructor(db: Db) {
    this.sql = new Statements(db);
  }

  /** Forgets an earlier run of `fileId`: a file processed again keeps only its last run. */
  clear(fileId: number): void {
    this.sql.get('DELETE FROM crowdtwist_failed_requests WHERE file_id = ?').run(fileId);
  }

  add(fileId: number, failed: StoredFailedRequest): void {
    this.sql
      .get('INSERT INTO crowdtwist_failed_requests (file_id, position, receipt_id, type, request) VALUES (?, ?, ?, ?, ?)')
      .run(fileId, failed.index, failed.receiptId, failed.type, failed.request);
  }

  /** The failed requests of `fileId` from index `from` through `through`, in order. */
  list(fileId: number, from = 0, through = Number.MAX_SAFE_INTEGER): StoredFailedRequest[] {
    const rows = this.sql
      .get('SELECT position, receipt_id, type, request FROM crowdtwist_failed_requests WHERE file_id = ? AND position BETWEEN ? AND ? ORDER BY position')
      .all(fileId, from, through) as Row[];
    return rows.map((row) => ({ index: row.position, receiptId: row.receipt_id, type: row.type, request: row.request }));
  }
}
