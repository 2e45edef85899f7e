/**
 * The `crowdtwist_failed_requests` table (migration 006): each failed request's type and text as
 * the partner sent it, so that `posdrop errors` can show what `<name>.errors.json` said after
 * retention has deleted it. Its record errors stay in `record_errors`, under the same position.
 */
import type pg from 'pg';
import type { Db } from '../../store/database.js';
import { copyRows } from '../../store/postgres/copy.js';
import { Statements } from '../../store/statements.js';
import type { EngineHandle } from '../../store/store.js';

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

/** The failed CrowdTwist requests of each file as the partner sent them, for `posdrop errors`. */
export interface FailedRequestStore {
  /** Forgets an earlier run of `fileId`: a file processed again keeps only its last run. */
  clear(fileId: number): Promise<void>;
  /** Queues a failed request of `fileId`; written by a later `flush` (or before any `list`). */
  add(fileId: number, failed: StoredFailedRequest): void;
  /** Writes a full batch of what is queued, or with `final` everything. */
  flush(final: boolean): Promise<void>;
  /** The failed requests of `fileId` from index `from` through `through`, in order. */
  list(fileId: number, from?: number, through?: number): Promise<StoredFailedRequest[]>;
}

/** The store for `handle`'s engine. */
export function openFailedRequestStore(handle: EngineHandle): FailedRequestStore {
  return handle.engine === 'sqlite' ? new SqliteFailedRequests(handle.db) : new PostgresFailedRequests(handle.client);
}

interface Row {
  position: number;
  receipt_id: string | null;
  type: string | null;
  request: string;
}

const COLUMNS = ['file_id', 'position', 'receipt_id', 'type', 'request'];
/** Rows per COPY: failed requests can be 1 MiB each, so a batch is kept short. */
const COPY_BATCH = 500;

function fromRow(row: Row): StoredFailedRequest {
  return { index: row.position, receiptId: row.receipt_id, type: row.type, request: row.request };
}

/** SQLite: one prepared insert per request, as measured (failed requests are few beside the good). */
class SqliteFailedRequests implements FailedRequestStore {
  private readonly sql: Statements;

  constructor(db: Db) {
    this.sql = new Statements(db);
  }

  async clear(fileId: number): Promise<void> {
    this.sql.get('DELETE FROM crowdtwist_failed_requests WHERE file_id = ?').run(fileId);
  }

  add(fileId: number, failed: StoredFailedRequest): void {
    this.sql
      .get('INSERT INTO crowdtwist_failed_requests (file_id, position, receipt_id, type, request) VALUES (?, ?, ?, ?, ?)')
      .run(fileId, failed.index, failed.receiptId, failed.type, failed.request);
  }

  async flush(): Promise<void> {}

  async list(fileId: number, from = 0, through = Number.MAX_SAFE_INTEGER): Promise<StoredFailedRequest[]> {
    const rows = this.sql
      .get('SELECT position, receipt_id, type, request FROM crowdtwist_failed_requests WHERE file_id = ? AND position BETWEEN ? AND ? ORDER BY position')
      .all(fileId, from, through) as Row[];
    return rows.map(fromRow);
  }
}

/** PostgreSQL: queued and written by COPY. */
class PostgresFailedRequests implements FailedRequestStore {
  private pending: unknown[] = [];

  constructor(private readonly client: pg.ClientBase) {}

  async clear(fileId: number): Promise<void> {
    await this.flush(true);
    await this.client.query('DELETE FROM crowdtwist_failed_requests WHERE file_id = $1', [fileId]);
  }

  add(fileId: number, failed: StoredFailedRequest): void {
    this.pending.push(fileId, failed.index, failed.receiptId, failed.type, failed.request);
  }

  async flush(final: boolean): Promise<void> {
    if (!final && this.pending.length < COPY_BATCH * COLUMNS.length) return;
    const rows = this.pending;
    this.pending = [];
    await copyRows(this.client, 'crowdtwist_failed_requests', COLUMNS, rows);
  }

  async list(fileId: number, from = 0, through = Number.MAX_SAFE_INTEGER): Promise<StoredFailedRequest[]> {
    await this.flush(true);
    const result = await this.client.query<Row>(
      'SELECT position, receipt_id, type, request FROM crowdtwist_failed_requests WHERE file_id = $1 AND position BETWEEN $2 AND $3 ORDER BY position',
      [fileId, from, through],
    );
    return result.rows.map(fromRow);
  }
}
