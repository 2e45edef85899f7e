/**
 * The file ledger: one row per arrival of a file, its state, counts and history. An identity
 * (partner, name, sha256) has at most one row whose original is (or may be) in the inbox; its
 * earlier arrivals have left it. A state change and its history event are written together;
 * callers hold the write lock.
 */
import { canMove, FINAL_STATES, type FileState } from '../core/file-state.js';
import type { NameFields } from '../core/naming.js';
import type { Db } from './database.js';
import { Statements } from './statements.js';
import { NEXT_FILE_ID } from './file-id-floor.js';

export interface FileCounts {
  total: number;
  accepted: number;
  failed: number;
  duplicates: number;
}

/** What a receipt says about a file besides its counts and reason. */
export interface FileNotes {
  /** Things the file did that were let pass (a column the format does not know). */
  warnings?: string[];
  /** How a delimited file's columns were found: its header, or an order configured for headerless files. */
  columns?: { from: 'header' | 'configured order' | 'default order'; names: string[] };
  /** Files of this name this one replaced in the inbox before they were processed (their rows withdrawn). */
  replaced?: { id: number; sha256: string; received_at: string }[];
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
  /**
   * When the original left the inbox: archived once its answer was final, or removed or
   * replaced by the partner before it was processed. Null while it is (or may still be) there:
   * found there again, it is this file, resumed from its state.
   */
  leftInboxAt: string | null;
  notes: FileNotes | null;
  /** How it came when not through a folder: 'http' (the partner API); null for SFTP or a copy. */
  via: FileVia | null;
  /** Options its sender gave with the file (a Client Toolbox request's fields); null for none. */
  senderOptions: Record<string, unknown> | null;
}

export type FileVia = 'http';

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
  /** The original is gone from the inbox with this change (withdrawn, replaced). */
  leftInbox?: boolean;
  notes?: FileNotes | null;
}

export interface FileQuery {
  partner?: string;
  state?: FileState;
  name?: string;
  limit?: number;
}

/** A `files` row as SQLite returns it. */
export interface FileRow {
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
  left_inbox_at: string | null;
  notes: string | null;
  via: FileVia | null;
  sender_options: string | null;
}

/** A `files` row as the rest of posdrop sees it. */
export function toRecord(row: FileRow): FileRecord {
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
    leftInboxAt: row.left_inbox_at,
    notes: row.notes === null ? null : (JSON.parse(row.notes) as FileNotes),
    via: row.via,
    senderOptions: row.sender_options === null ? null : (JSON.parse(row.sender_options) as Record<string, unknown>),
  };
}

/**
 * The columns a move of `current` to `to` at `at` writes: one rule for every engine's ledger.
 * The caller has checked that the state machine allows the move.
 */
export function moveColumns(current: FileRecord, to: FileState, change: StateChange, at: string): Record<string, unknown> {
  const columns: Record<string, unknown> = { state: to, state_changed_at: at };
  if (to === 'processing') columns.processing_started_at = at;
  if (to === 'processed' || to === 'rejected' || to === 'failed') columns.processed_at = at;
  if (change.format !== undefined) columns.format = change.format;
  if (change.fields !== undefined) columns.fields = change.fields && JSON.stringify(change.fields);
  if (change.reasonCode !== undefined) columns.reason_code = change.reasonCode;
  if (change.reason !== undefined) columns.reason = change.reason;
  if (change.archivePath !== undefined) columns.archive_path = change.archivePath;
  if (change.notes !== undefined) columns.notes = change.notes && JSON.stringify(change.notes);
  // A file going back to work has only the notes of its arrival: the run that ends it writes the rest.
  else if (to === 'processing') columns.notes = current.notes?.replaced ? JSON.stringify({ replaced: current.notes.replaced }) : null;
  // A file going back to work (reprocess, a restart) is in the inbox again.
  if (!FINAL_STATES.has(to)) columns.left_inbox_at = null;
  else if (change.leftInbox) columns.left_inbox_at = at;
  if (change.counts !== undefined) {
    columns.total = change.counts?.total ?? null;
    columns.accepted = change.counts?.accepted ?? null;
    columns.failed = change.counts?.failed ?? null;
    columns.duplicates = change.counts?.duplicates ?? null;
  }
  return columns;
}

/**
 * Hears every move inside it, before the statement sequence returns: what it writes joins the
 * move's transaction (the webhook outbox), so it commits or rolls back with the state.
 */
export type MoveObserver = (file: FileRecord) => void;

export class FileLedger {
  private readonly sql: Statements;

  constructor(
    db: Db,
    private readonly now: () => Date,
    private readonly onMove?: MoveObserver,
  ) {
    this.sql = new Statements(db);
  }

  get(id: number): FileRecord | undefined {
    const row = this.sql.get('SELECT * FROM files WHERE id = ?').get(id) as FileRow | undefined;
    return row && toRecord(row);
  }

  /**
   * The file with this identity: the one whose original is (or may be) in the inbox if there is
   * one, else the newest of the identity's earlier arrivals.
   */
  find(partner: string, name: string, sha256: string): FileRecord | undefined {
    const row = this.sql
      .get('SELECT * FROM files WHERE partner_id = ? AND name = ? AND sha256 = ? ORDER BY left_inbox_at IS NULL DESC, id DESC LIMIT 1')
      .get(partner, name, sha256) as FileRow | undefined;
    return row && toRecord(row);
  }

  /** Records a new arrival in state `received`; `detail` goes into its history. */
  insert(
    file: { partner: string; name: string; sha256: string; size: number; via?: FileVia | null; senderOptions?: Record<string, unknown> | null },
    detail: string | null = null,
  ): FileRecord {
    const at = this.now().toISOString();
    const { lastInsertRowid } = this.sql
      .get(
        // Above the floor too: after a restore, the ids of files the backup never knew stay taken.
        `INSERT INTO files (id, partner_id, name, sha256, size, state, received_at, state_changed_at, via, sender_options)
         VALUES (${NEXT_FILE_ID}, ?, ?, ?, ?, 'received', ?, ?, ?, ?)`,
      )
      .run(file.partner, file.name, file.sha256, file.size, at, at, file.via ?? null, file.senderOptions ? JSON.stringify(file.senderOptions) : null);
    const id = Number(lastInsertRowid);
    this.addEvent(id, at, 'received', detail);
    return this.get(id) as FileRecord;
  }

  /**
   * The original has left the inbox (archived); no history event, the state does not change. With
   * `stateChangedAt`, only if the file has not moved since (an operator queued it again).
   */
  markLeftInbox(id: number, stateChangedAt?: string): void {
    this.sql
      .get(
        `UPDATE files SET left_inbox_at = @at WHERE id = @id AND left_inbox_at IS NULL AND state IN ('processed', 'rejected')
           AND (@since IS NULL OR state_changed_at = @since)`,
      )
      .run({ at: this.now().toISOString(), id, since: stateChangedAt ?? null });
  }

  /** Final files not known to have left the inbox: a stop came between their answer and their archive. */
  finalInInbox(): FileRecord[] {
    const rows = this.sql
      .get("SELECT * FROM files WHERE left_inbox_at IS NULL AND state IN ('processed', 'rejected') ORDER BY id")
      .all() as FileRow[];
    return rows.map(toRecord);
  }

  /** Moves a file to `to`, refusing a transition the state machine does not allow. */
  move(id: number, to: FileState, change: StateChange = {}): FileRecord {
    const current = this.get(id);
    if (!current) throw new Error(`file ${id} does not exist`);
    if (!canMove(current.state, to)) throw new Error(`file ${id} cannot go from ${current.state} to ${to}`);
    const at = this.now().toISOString();
    const columns = moveColumns(current, to, change, at);
    this.updateColumns(id, columns);
    this.addEvent(id, at, to, change.detail ?? change.reason ?? null);
    const moved = this.get(id) as FileRecord;
    this.onMove?.(moved);
    return moved;
  }

  /** The rows of `name` whose original is, or may be, in the inbox (pending ones among them). */
  inInbox(partner: string, name: string): FileRecord[] {
    const rows = this.sql.get('SELECT * FROM files WHERE partner_id = ? AND name = ? AND left_inbox_at IS NULL ORDER BY id').all(partner, name) as FileRow[];
    return rows.map(toRecord);
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

  /**
   * Adds to a file's history what an operator did to it without moving its state (an undone
   * batch stays processed); the event carries the state the file is in.
   */
  note(id: number, detail: string): void {
    const file = this.get(id);
    if (!file) throw new Error(`no file ${id} to note`);
    this.addEvent(id, this.now().toISOString(), file.state, detail);
  }

  events(id: number): FileEvent[] {
    return this.sql
      .get('SELECT at, state, detail FROM file_events WHERE file_id = ? ORDER BY id')
      .all(id) as FileEvent[];
  }

  /** Partner and name of every file in one of `states`, for what may still be answered about it. */
  namesInStates(states: readonly FileState[]): { partner: string; name: string }[] {
    return this.sql
      .get(`SELECT partner_id AS partner, name FROM files WHERE state IN (${states.map(() => '?').join(', ')})`)
      .all(...states) as { partner: string; name: string }[];
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
