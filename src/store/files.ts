/**
 * The file ledger: one row per (partner, name, sha256), its state, counts and history.
 * A state change and its history event are written together; callers hold the write lock.
 */
import { canMove, type FileState } from '../core/file-state.js';
import type { NameFields } from '../core/naming.js';
import type { Db } from './database.js';
import { Statements } from './statements.js';

export interface FileCounts {
  total: number;
  accepted: number;
  failed: number;
  duplicates: number;
}

export interface FileRecord {
  id: number;
  partner: string;
  name: string;
  sha256: string;
  size: number;
  format: string | null;
  fields: NameFields | null;
  state: FileState;
  reasonCode: string | null;
  reason: string | null;
  counts: FileCounts | null;
  receivedAt: string;
  stateChangedAt: string;
  processingStartedAt: string | null;
  processedAt: string | null;
  archivePath: string | null;
}

export interface FileEvent {
  at: string;
  state: FileState;
  detail: string | null;
}

/** What may change with a state. */
export interface StateChange {
  format?: string | null;
  fields?: NameFields | null;
  reasonCode?: string | null;
  reason?: string | null;
  counts?: FileCounts | null;
  /** Where the original goes once the state is final (relative to the data directory). */
  archivePath?: string;
  /** Free text for the history (`posdrop show`). */
  detail?: string;
}

export interface FileQuery {
  partner?: string;
  state?: FileState;
  name?: string;
  limit?: number;
}

interface FileRow {
  id: number;
  partner_id: string;
  name: string;
  sha256: string;
  size: number;
  format: string | null;
  fields: string | null;
  state: FileState;
  reason_code: string | null;
  reason: string | null;
  total: number | null;
  accepted: number | null;
  failed: number | null;
  duplicates: number | null;
  received_at: string;
  state_changed_at: string;
  processing_started_at: string | null;
  processed_at: string | null;
  archive_path: string | null;
}

function toRecord(row: FileRow): FileRecord {
  return {
    id: row.id,
    partner: row.partner_id,
    name: row.name,
    sha256: row.sha256,
    size: row.size,
    format: row.format,
    fields: row.fields === null ? null : (JSON.parse(row.fields) as NameFields),
    state: row.state,
    reasonCode: row.reason_code,
    reason: row.reason,
    counts:
      row.total === null
        ? null
        : { total: row.total, accepted: row.accepted ?? 0, failed: row.failed ?? 0, duplicates: row.duplicates ?? 0 },
    receivedAt: row.received_at,
    stateChangedAt: row.state_changed_at,
    processingStartedAt: row.processing_started_at,
    processedAt: row.processed_at,
    archivePath: row.archive_path,
  };
}

export class FileLedger {
  private readonly sql: Statements;

  constructor(
    db: Db,
    private readonly now: () => Date,
  ) {
    this.sql = new Statements(db);
  }

  get(id: number): FileRecord | undefined {
    const row = this.sql.get('SELECT * FROM files WHERE id = ?').get(id) as FileRow | undefined;
    return row && toRecord(row);
  }

  find(partner: string, name: string, sha256: string): FileRecord | undefined {
    const row = this.sql
      .get('SELECT * FROM files WHERE partner_id = ? AND name = ? AND sha256 = ?')
      .get(partner, name, sha256) as FileRow | undefined;
    return row && toRecord(row);
  }

  /** Records a new arrival in state `received`. */
  insert(file: { partner: string; name: string; sha256: string; size: number }): FileRecord {
    const at = this.now().toISOString();
    const { lastInsertRowid } = this.sql
      .get(
        `INSERT INTO files (partner_id, name, sha256, size, state, received_at, state_changed_at)
         VALUES (?, ?, ?, ?, 'received', ?, ?)`,
      )
      .run(file.partner, file.name, file.sha256, file.size, at, at);
    const id = Number(lastInsertRowid);
    this.addEvent(id, at, 'received', null);
    return this.get(id) as FileRecord;
  }

  /** Moves a file to `to`, refusing a transition the state machine does not allow. */
  move(id: number, to: FileState, change: StateChange = {}): FileRecord {
    const current = this.get(id);
    if (!current) throw new Error(`file ${id} does not exist`);
    if (!canMove(current.state, to)) throw new Error(`file ${id} cannot go from ${current.state} to ${to}`);
    const at = this.now().toISOString();
    const columns: Record<string, unknown> = { state: to, state_changed_at: at };
    if (to === 'processing') columns.processing_started_at = at;
    if (to === 'processed' || to === 'rejected' || to === 'failed') columns.processed_at = at;
    if (change.format !== undefined) columns.format = change.format;
    if (change.fields !== undefined) columns.fields = change.fields && JSON.stringify(change.fields);
    if (change.reasonCode !== undefined) columns.reason_code = change.reasonCode;
    if (change.reason !== undefined) columns.reason = change.reason;
    if (change.archivePath !== undefined) columns.archive_path = change.archivePath;
    if (change.counts !== undefined) {
      columns.total = change.counts?.total ?? null;
      columns.accepted = change.counts?.accepted ?? null;
      columns.failed = change.counts?.failed ?? null;
      columns.duplicates = change.counts?.duplicates ?? null;
    }
    this.updateColumns(id, columns);
    this.addEvent(id, at, to, change.detail ?? change.reason ?? null);
    return this.get(id) as FileRecord;
  }

  list(query: FileQuery = {}): FileRecord[] {
    const where: string[] = [];
    const params: unknown[] = [];
    if (query.partner) {
      where.push('partner_id = ?');
      params.push(query.partner);
    }
    if (query.state) {
      where.push('state = ?');
      params.push(query.state);
    }
    if (query.name) {
      where.push('name = ?');
      params.push(query.name);
    }
    const sql = `SELECT * FROM files ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
                 ORDER BY id DESC LIMIT ?`;
    const rows = this.sql.get(sql).all(...params, query.limit ?? 100) as FileRow[];
    return rows.map(toRecord);
  }

  /** Files in one of `states`, oldest first: the work to resume after a restart. */
  inStates(states: readonly FileState[]): FileRecord[] {
    const rows = this.sql
      .get(`SELECT * FROM files WHERE state IN (${states.map(() => '?').join(', ')}) ORDER BY id`)
      .all(...states) as FileRow[];
    return rows.map(toRecord);
  }

  events(id: number): FileEvent[] {
    return this.sql
      .get('SELECT at, state, detail FROM file_events WHERE file_id = ? ORDER BY id')
      .all(id) as FileEvent[];
  }

  countByState(): Record<string, number> {
    const rows = this.sql.get('SELECT state, count(*) AS n FROM files GROUP BY state').all() as {
      state: string;
      n: number;
    }[];
    return Object.fromEntries(rows.map((row) => [row.state, row.n]));
  }

  private updateColumns(id: number, columns: Record<string, unknown>): void {
    const names = Object.keys(columns);
    this.sql
      .get(`UPDATE files SET ${names.map((name) => `${name} = @${name}`).join(', ')} WHERE id = @id`)
      .run({ ...columns, id });
  }

  private addEvent(id: number, at: string, state: FileState, detail: string | null): void {
    this.sql.get('INSERT INTO file_events (file_id, at, state, detail) VALUES (?, ?, ?, ?)').run(id, at, state, detail);
  }
}
