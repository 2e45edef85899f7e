/**
 * The PBJ sales table, by partner and channel: ORDER_ID is unique per channel, across files and
 * nodes. On SQLite one statement per sale, whose ON CONFLICT answers whether the ORDER_ID was
 * taken (as measured). On PostgreSQL the file holds the lock of its channel, so no other file of
 * that channel judges or writes meanwhile; each piece of input's ORDER_IDs are looked up in one
 * query, the file's own sales are remembered, and the sales go in by COPY.
 */
import type Database from 'better-sqlite3';
import type pg from 'pg';
import type { Db } from '../../store/database.js';
import { copyRows } from '../../store/postgres/copy.js';
import { FORMAT_LOCK, lockFormatKey } from '../../store/postgres/format-locks.js';
import { rowsByKeys } from '../../store/postgres/rows-by-keys.js';
import type { EngineHandle } from '../../store/store.js';
import type { KeyHolder } from '../delimited/dedupe.js';

/** Whose sales: one file of one partner, on the channel its name gives. */
export interface SaleTarget {
  id: number;
  partner: string;
  channel: string;
}

/** One file's sales, bound to its transaction. */
export interface PbjSales {
  /**
   * Stores a sale (values in PBJ_COLUMNS order, passed through without a record object: this runs
   * once per line); the sale holding its ORDER_ID on the channel when one does already.
   */
  add(line: number, values: readonly unknown[]): KeyHolder | undefined;
  /** Reads what the lines of one piece of input need to be judged (see `LineConsumer.prepare`). */
  prepare?(lines: readonly (readonly unknown[])[]): Promise<void>;
  /** Writes what is queued: full batches, or with `final` everything. */
  flush(final: boolean): Promise<void>;
}

/** The sales store of `file` on the engine of its transaction. */
export async function openPbjSales(handle: EngineHandle, file: SaleTarget): Promise<PbjSales> {
  if (handle.engine === 'sqlite') return new SqlitePbjSales(handle.db, file);
  await lockFormatKey(handle.client, FORMAT_LOCK.pbjSales, `${file.partner}\n${file.channel}`);
  return new PostgresPbjSales(handle.client, file);
}

class SqlitePbjSales implements PbjSales {
  private readonly insert: Database.Statement;
  private readonly holder: Database.Statement;

  constructor(
    db: Db,
    private readonly file: SaleTarget,
  ) {
    // ON CONFLICT instead of a lookup first: one statement per sale, and the answer says whether
    // the ORDER_ID was already used on this channel.
    this.insert = db.prepare(
      `INSERT INTO pbj_sales (file_id, partner_id, channel, line, order_id, draw_no, customer_id, product, quantity, amount, payment_method, sale_date)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (partner_id, channel, order_id) DO NOTHING`,
    );
    this.holder = db.prepare('SELECT file_id AS fileId, line FROM pbj_sales WHERE partner_id = ? AND channel = ? AND order_id = ?');
  }

  add(line: number, values: readonly unknown[]): KeyHolder | undefined {
    const { id, partner, channel } = this.file;
    if (this.insert.run(id, partner, channel, line, ...values).changes === 1) return undefined;
    return this.holder.get(partner, channel, values[0]) as KeyHolder;
  }

  async flush(): Promise<void> {}
}

const COLUMNS = ['file_id', 'partner_id', 'channel', 'line', 'order_id', 'draw_no', 'customer_id', 'product', 'quantity', 'amount', 'payment_method', 'sale_date'];
const COPY_BATCH = 1000;

class PostgresPbjSales implements PbjSales {
  /** Every ORDER_ID looked up or stored so far, with its holder; null for one not used. */
  private readonly holders = new Map<number, KeyHolder | null>();
  private pending: unknown[] = [];

  constructor(
    private readonly client: pg.ClientBase,
    private readonly file: SaleTarget,
  ) {}

  async prepare(lines: readonly (readonly unknown[])[]): Promise<void> {
    const unknown = [...new Set(lines.map((values) => values[0] as number))].filter((orderId) => !this.holders.has(orderId));
    if (unknown.length === 0) return;
    // what is queued is not in the table yet, but every ORDER_ID of it is in `holders` already
    const scope = { partner_id: this.file.partner, channel: this.file.channel };
    const found = await rowsByKeys<{ order_id: number; file_id: number; line: number }>(
      this.client,
      { table: 'pbj_sales', columns: 'order_id, file_id, line', scope, key: 'order_id', keyType: 'bigint' },
      unknown,
    );
    for (const orderId of unknown) this.holders.set(orderId, null);
    for (const row of found) this.holders.set(row.order_id, { fileId: row.file_id, line: row.line });
  }

  add(line: number, values: readonly unknown[]): KeyHolder | undefined {
    const orderId = values[0] as number;
    const holder = this.holders.get(orderId);
    if (holder === undefined) throw new Error(`ORDER_ID ${orderId} was not prepared for`);
    if (holder !== null) return holder;
    this.holders.set(orderId, { fileId: this.file.id, line });
    this.pending.push(this.file.id, this.file.partner, this.file.channel, line, ...values);
    return undefined;
  }

  async flush(final: boolean): Promise<void> {
    if (!final && this.pending.length < COPY_BATCH * COLUMNS.length) return;
    const rows = this.pending;
    this.pending = [];
    await copyRows(this.client, 'pbj_sales', COLUMNS, rows);
  }
}
