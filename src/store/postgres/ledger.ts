/**
 * The file ledger on PostgreSQL, answering `LedgerStore` as the SQLite ledger does (the move's
 * columns come from the same `moveColumns`). Given a pool, a move takes a connection and a
 * transaction of its own; given a client, it runs inside the transaction the caller holds (a
 * file's transaction). A move locks its row first (`FOR UPDATE`), so two nodes moving one file
 * are serialised and the second sees the state the first left.
 */
import type pg from 'pg';
import { canMove, type FileState } from '../../core/file-state.js';
import { moveColumns, toRecord, type FileEvent, type FileQuery, type FileRecord, type FileRow, type StateChange } from '../files.js';
import type { LedgerStore, NewFile } from '../ledger-store.js';
import { commit } from './transaction.js';

/** Heard inside the move's transaction, with its client, so what it writes commits with the state. */
export type PostgresMoveObserver = (file: FileRecord, client: pg.ClientBase) => Promise<void> | void;

/** The advisory-lock class of (partner, name) registrations; sequences use their own. */
const NAME_LOCK_CLASS = 0x6e616d; // 'nam'

export class PostgresLedgerStore implements LedgerStore {
  constructor(
    private readonly db: pg.Pool | pg.ClientBase,
    private readonly now: () => Date,
    private readonly onMove?: PostgresMoveObserver,
  ) {}

  async get(id: number): Promise<FileRecord | undefined> {
    return this.one(this.db, 'SELECT * FROM files WHERE id = $1', [id]);
  }

  async serialiseName(partner: string, name: string): Promise<void> {
    await this.db.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [NAME_LOCK_CLASS, `${partner}\n${name}`]);
  }

  async find(partner: string, name: string, sha256: string): Promise<FileRecord | undefined> {
    return this.one(
      this.db,
      'SELECT * FROM files WHERE partner_id = $1 AND name = $2 AND sha256 = $3 ORDER BY left_inbox_at IS NULL DESC, id DESC LIMIT 1',
      [partner, name, sha256],
    );
  }

  async insert(file: NewFile, detail: string | null = null): Promise<FileRecord> {
    return this.transaction(async (client) => {
      const at = this.now().toISOString();
      const { rows } = await client.query<FileRow>(
        // The id comes from the identity (migration 18 moved it past the floor): nodes never compute the same one.
        `INSERT INTO files (partner_id, name, sha256, size, state, received_at, state_changed_at, via, sender_options)
         VALUES ($1, $2, $3, $4, 'received', $5, $5, $6, $7) RETURNING *`,
        [file.partner, file.name, file.sha256, file.size, at, file.via ?? null, file.senderOptions ? JSON.stringify(file.senderOptions) : null],
      );
      const row = rows[0] as FileRow;
      await this.addEvent(client, row.id, at, 'received', detail);
      return toRecord(row);
    });
  }

  async markLeftInbox(id: number, stateChangedAt?: string): Promise<void> {
    await this.db.query(
      `UPDATE files SET left_inbox_at = $1 WHERE id = $2 AND left_inbox_at IS NULL AND state IN ('processed', 'rejected')
         AND ($3::text IS NULL OR state_changed_at = $3::text)`,
      [this.now().toISOString(), id, stateChangedAt ?? null],
    );
  }

  async finalInInbox(): Promise<FileRecord[]> {
    return this.many(this.db, "SELECT * FROM files WHERE left_inbox_at IS NULL AND state IN ('processed', 'rejected') ORDER BY id", []);
  }

  async move(id: number, to: FileState, change: StateChange = {}): Promise<FileRecord> {
    return this.transaction(async (client) => {
      const current = await this.one(client, 'SELECT * FROM files WHERE id = $1 FOR UPDATE', [id]);
      if (!current) throw new Error(`file ${id} does not exist`);
      if (!canMove(current.state, to)) throw new Error(`file ${id} cannot go from ${current.state} to ${to}`);
      const at = this.now().toISOString();
      const columns = moveColumns(current, to, change, at);
      const names = Object.keys(columns);
      const { rows } = await client.query<FileRow>(
        `UPDATE files SET ${names.map((name, i) => `${name} = $${i + 2}`).join(', ')} WHERE id = $1 RETURNING *`,
        [id, ...names.map((name) => columns[name])],
      );
      await this.addEvent(client, id, at, to, change.detail ?? change.reason ?? null);
      const moved = toRecord(rows[0] as FileRow);
      await this.onMove?.(moved, client);
      return moved;
    });
  }

  async inInbox(partner: string, name: string): Promise<FileRecord[]> {
    return this.many(this.db, 'SELECT * FROM files WHERE partner_id = $1 AND name = $2 AND left_inbox_at IS NULL ORDER BY id', [partner, name]);
  }

  async list(query: FileQuery = {}): Promise<FileRecord[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    for (const [column, value] of [['partner_id', query.partner], ['state', query.state], ['name', query.name]] as const) {
      if (!value) continue;
      params.push(value);
      where.push(`${column} = $${params.length}`);
    }
    params.push(query.limit ?? 100);
    return this.many(this.db, `SELECT * FROM files ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT $${params.length}`, params);
  }

  async inStates(states: readonly FileState[]): Promise<FileRecord[]> {
    return this.many(this.db, 'SELECT * FROM files WHERE state = ANY($1::text[]) ORDER BY id', [states]);
  }

  async namesInStates(states: readonly FileState[]): Promise<{ partner: string; name: string }[]> {
    const { rows } = await this.db.query<{ partner: string; name: string }>('SELECT partner_id AS partner, name FROM files WHERE state = ANY($1::text[])', [states]);
    return rows;
  }

  async note(id: number, detail: string): Promise<void> {
    const file = await this.get(id);
    if (!file) throw new Error(`no file ${id} to note`);
    await this.addEvent(this.db, id, this.now().toISOString(), file.state, detail);
  }

  async events(id: number): Promise<FileEvent[]> {
    const { rows } = await this.db.query<FileEvent>('SELECT at, state, detail FROM file_events WHERE file_id = $1 ORDER BY id', [id]);
    return rows;
  }

  async countByState(): Promise<Record<string, number>> {
    const { rows } = await this.db.query<{ state: string; n: number }>('SELECT state, count(*) AS n FROM files GROUP BY state');
    return Object.fromEntries(rows.map((row) => [row.state, Number(row.n)]));
  }

  private async one(db: pg.Pool | pg.ClientBase, sql: string, params: unknown[]): Promise<FileRecord | undefined> {
    const { rows } = await db.query<FileRow>(sql, params);
    return rows[0] && toRecord(rows[0]);
  }

  private async many(db: pg.Pool | pg.ClientBase, sql: string, params: unknown[]): Promise<FileRecord[]> {
    const { rows } = await db.query<FileRow>(sql, params);
    return rows.map(toRecord);
  }

  private async addEvent(client: pg.Pool | pg.ClientBase, id: number, at: string, state: FileState, detail: string | null): Promise<void> {
    await client.query('INSERT INTO file_events (file_id, at, state, detail) VALUES ($1, $2, $3, $4)', [id, at, state, detail]);
  }

  /** `work` in a transaction of its own on a pooled client, or in the caller's on a given client. */
  private async transaction<T>(work: (client: pg.ClientBase) => Promise<T>): Promise<T> {
    if (!isPool(this.db)) return work(this.db);
    const client = await this.db.connect();
    try {
      await client.query('BEGIN');
      const result = await work(client);
      await commit(client);
      return result;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  }
}

function isPool(db: pg.Pool | pg.ClientBase): db is pg.Pool {
  return 'totalCount' in db;
}
