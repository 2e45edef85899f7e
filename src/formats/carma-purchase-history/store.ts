/**
 * The `carma_purchases` table, per file: purchases are queued and written in bulk, never one
 * statement per line. On SQLite in multi-row INSERTs of {@link SQLITE_BATCH} rows (one statement
 * call per batch instead of per line is most of the bulk speed, and 100 measured fastest); on
 * PostgreSQL by COPY, {@link COPY_BATCH} rows at a time. Values are queued flat, in COLUMNS order,
 * without a record object per line.
 */
import type Database from 'better-sqlite3';
import type pg from 'pg';
import type { Db } from '../../store/database.js';
import { copyRows } from '../../store/postgres/copy.js';
import type { EngineHandle } from '../../store/store.js';
import { CARMA_COLUMNS, CARMA_FIXED_COLUMNS } from './declaration.js';

const COLUMNS = ['file_id', 'partner_id', 'list_id', 'line', 'original_id', 'sku', 'item_price', 'transaction_time', 'quantity', 'total_price', 'custom'];
const SQLITE_BATCH = 100;
const COPY_BATCH = 1000;

/** Whose purchases: one file of one partner, into the list its name gives. */
export interface PurchaseTarget {
  fileId: number;
  partner: string;
  listId: string;
}

/** One file's purchases, bound to its transaction. */
export interface CarmaPurchaseStore {
  /** Queues one purchase (values in CARMA_COLUMNS order); written by a later `flush`. */
  add(line: number, values: readonly unknown[]): void;
  /** Writes the full batches queued, or with `final` everything queued. */
  flush(final: boolean): Promise<void>;
}

/** The store for the file's engine. */
export function openCarmaStore(handle: EngineHandle, target: PurchaseTarget): CarmaPurchaseStore {
  return handle.engine === 'sqlite' ? new SqliteCarmaPurchases(handle.db, target) : new PostgresCarmaPurchases(handle.client, target);
}

function insertSql(rows: number): string {
  const row = `(${COLUMNS.map(() => '?').join(', ')})`;
  return `INSERT INTO carma_purchases (${COLUMNS.join(', ')}) VALUES ${Array.from({ length: rows }, () => row).join(', ')}`;
}

/** `{"column2": …}` for the custom columns given, or null when none is. */
export function customJson(values: readonly unknown[]): string | null {
  let json = '';
  for (let i = CARMA_FIXED_COLUMNS; i < CARMA_COLUMNS.length; i += 1) {
    const value = values[i];
    if (value === undefined) continue;
    json += `${json ? ',' : '{'}"${(CARMA_COLUMNS[i] as { name: string }).name}":${JSON.stringify(value)}`;
  }
  return json ? `${json}}` : null;
}

/** The queue both engines share: a purchase's row, flat. */
abstract class QueuedPurchases implements CarmaPurchaseStore {
  protected pending: unknown[] = [];

  constructor(private readonly target: PurchaseTarget) {}

  add(line: number, values: readonly unknown[]): void {
    const { fileId, partner, listId } = this.target;
    this.pending.push(fileId, partner, listId, line, values[0], values[1], values[2], values[3] ?? null, values[4] ?? null, values[5] ?? null, customJson(values));
    this.queued();
  }

  /** After each `add`: a store that writes as batches fill does it here. */
  protected queued(): void {}

  abstract flush(final: boolean): Promise<void>;
}

class SqliteCarmaPurchases extends QueuedPurchases {
  private readonly single: Database.Statement;
  private readonly batch: Database.Statement;

  constructor(db: Db, target: PurchaseTarget) {
    super(target);
    this.single = db.prepare(insertSql(1));
    this.batch = db.prepare(insertSql(SQLITE_BATCH));
  }

  /** A full batch is written at once: the statement is synchronous, and the queue stays small. */
  protected override queued(): void {
    if (this.pending.length === SQLITE_BATCH * COLUMNS.length) {
      this.batch.run(this.pending);
      this.pending.length = 0;
    }
  }

  async flush(final: boolean): Promise<void> {
    if (!final) return;
    for (let at = 0; at < this.pending.length; at += COLUMNS.length) {
      this.single.run(this.pending.slice(at, at + COLUMNS.length));
    }
    this.pending.length = 0;
  }
}

class PostgresCarmaPurchases extends QueuedPurchases {
  constructor(
    private readonly client: pg.ClientBase,
    target: PurchaseTarget,
  ) {
    super(target);
  }

  async flush(final: boolean): Promise<void> {
    if (!final && this.pending.length < COPY_BATCH * COLUMNS.length) return;
    const rows = this.pending;
    this.pending = [];
    await copyRows(this.client, 'carma_purchases', COLUMNS, rows);
  }
}
