/**
 * The CrowdTwist tables (migration 003): one instance per file, inside that file's transaction.
 * A request is judged against what the requests before it stored (a receipt used, a purchase's
 * items returned), so the store answers synchronously. On SQLite with statements prepared once;
 * uniqueness (receipt, return and fulfillment ids per partner) is left to the unique indexes: an
 * insert that changes nothing is a duplicate, which spares a lookup per request on the path every
 * good request takes. On PostgreSQL, see postgres-pos-store.ts.
 */
import type { Db } from '../../store/database.js';
import type { Statement } from 'better-sqlite3';
import { FORMAT_LOCK, lockFormatKey } from '../../store/postgres/format-locks.js';
import type { EngineHandle } from '../../store/store.js';
import type { CheckedElement } from './check-element.js';
import { PostgresPosStore } from './postgres-pos-store.js';
import type { Fulfillment, Purchase, Return } from './requests.js';
import type { BoughtLine } from './relations.js';

/** A stored purchase, as returns and fulfillments see it. */
export interface StoredPurchase {
  id: number;
  lines: BoughtLine[];
}

function prepareAll<T extends Record<string, string>>(db: Db, sql: T): { [K in keyof T]: Statement } {
  return Object.fromEntries(Object.entries(sql).map(([name, text]) => [name, db.prepare(text)])) as { [K in keyof T]: Statement };
}

const SQL = {
  purchase: `INSERT INTO crowdtwist_purchases (partner_id, file_id, position, receipt_id, order_id, user_id, total, subtotal,
               date_purchased, channel_id, currency, custom_data, extra, request_extra)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (partner_id, receipt_id) DO NOTHING`,
  item: `INSERT INTO crowdtwist_items (purchase_id, line, sku, price, quantity, transaction_id, custom_data, is_awaiting_fulfillment, extra)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  tender: 'INSERT INTO crowdtwist_tenders (purchase_id, line, type, amount, extra) VALUES (?, ?, ?, ?, ?)',
  coupon: 'INSERT INTO crowdtwist_coupons (purchase_id, line, code) VALUES (?, ?, ?)',
  purchaseByReceipt: 'SELECT id FROM crowdtwist_purchases WHERE partner_id = ? AND receipt_id = ?',
  lines: 'SELECT sku, quantity, is_awaiting_fulfillment FROM crowdtwist_items WHERE purchase_id = ? ORDER BY line',
  returned: `SELECT i.sku, sum(i.quantity) AS quantity FROM crowdtwist_returns r
             JOIN crowdtwist_return_items i ON i.return_row = r.id WHERE r.purchase_id = ? GROUP BY i.sku`,
  fulfilled: `SELECT i.sku, sum(i.quantity) AS quantity FROM crowdtwist_fulfillments f
              JOIN crowdtwist_fulfillment_items i ON i.fulfillment_row = f.id WHERE f.purchase_id = ? GROUP BY i.sku`,
  purchaseHolder: 'SELECT file_id AS fileId, position FROM crowdtwist_purchases WHERE partner_id = ? AND receipt_id = ?',
  returnHolder: 'SELECT file_id AS fileId, position FROM crowdtwist_returns WHERE partner_id = ? AND return_id = ?',
  fulfillmentHolder: 'SELECT file_id AS fileId, position FROM crowdtwist_fulfillments WHERE partner_id = ? AND fulfillment_id = ?',
  returnById: 'SELECT 1 FROM crowdtwist_returns WHERE partner_id = ? AND return_id = ?',
  fulfillmentById: 'SELECT 1 FROM crowdtwist_fulfillments WHERE partner_id = ? AND fulfillment_id = ?',
  return: `INSERT INTO crowdtwist_returns (partner_id, file_id, position, return_id, purchase_id, receipt_id, date_returned, extra, request_extra)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (partner_id, return_id) DO NOTHING`,
  returnItem: 'INSERT INTO crowdtwist_return_items (return_row, line, sku, quantity, price, extra) VALUES (?, ?, ?, ?, ?, ?)',
  fulfillment: `INSERT INTO crowdtwist_fulfillments (partner_id, file_id, position, fulfillment_id, purchase_id, receipt_id, date_fulfilled, extra, request_extra)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (partner_id, fulfillment_id) DO NOTHING`,
  fulfillmentItem: 'INSERT INTO crowdtwist_fulfillment_items (fulfillment_row, line, sku, quantity, extra) VALUES (?, ?, ?, ?, ?)',
};

/** SQLite binds every JS number as REAL; an integer id in an ANY column should stay INTEGER. */
function exactly(value: string | number | null): string | number | bigint | null {
  return typeof value === 'number' && Number.isInteger(value) ? BigInt(value) : value;
}

/** The tables of one partner's batch, bound to one file and its transaction. */
export interface PosStore {
  /**
   * PostgreSQL: reads what one piece of input's requests need to be judged (their purchases,
   * returns and fulfillments), before any of them is settled; absent on SQLite.
   */
  prepare?(elements: readonly CheckedElement[]): Promise<void>;
  /**
   * How many requests are settled per turn of the event loop. SQLite's inserts run on the loop,
   * so a turn stays short (20, the default); on PostgreSQL they are awaited I/O, and a turn takes
   * a whole piece of input, so its lookups are one round trip rather than one per 20 requests.
   */
  readonly turnElements?: number;
  /** Stores a purchase with its items, tenders and coupons; false when its receipt_id is stored already. */
  addPurchase(purchase: Purchase, position: number): boolean;
  /** The stored purchase of `receiptId` (this file's earlier requests included). */
  purchase(receiptId: string): StoredPurchase | undefined;
  returned(purchaseId: number): Map<string, number>;
  fulfilled(purchaseId: number): Map<string, number>;
  hasReceipt(receiptId: string): boolean;
  hasReturn(returnId: string): boolean;
  hasFulfillment(fulfillmentId: string): boolean;
  /**
   * Whether the request stored under `id` is this very request: this file's, at `position`, put
   * there when the file was processed before (a reprocess reads the same bytes again).
   */
  storedHere(kind: 'receipt' | 'return' | 'fulfillment', id: string, position: number): boolean;
  /** Stores a return against `purchaseId`; false when its return_id is stored already. */
  addReturn(request: Return, purchaseId: number, position: number): boolean;
  /** Stores a fulfillment against `purchaseId`; false when its fulfillment_id is stored already. */
  addFulfillment(request: Fulfillment, purchaseId: number, position: number): boolean;
  /** Writes what is queued: full batches, or with `final` everything. */
  flush(final: boolean): Promise<void>;
}

/**
 * The store of one file of `partner`. On PostgreSQL the partner's CrowdTwist lock is held first,
 * until the file's transaction ends: a file of another day of the partner on another node waits,
 * then reads what this one stored, so a receipt is never accepted twice.
 */
export async function openPosStore(handle: EngineHandle, partner: string, fileId: number): Promise<PosStore> {
  if (handle.engine === 'sqlite') return new SqlitePosStore(handle.db, partner, fileId);
  await lockFormatKey(handle.client, FORMAT_LOCK.crowdtwist, partner);
  return new PostgresPosStore(handle.client, partner, fileId);
}

class SqlitePosStore implements PosStore {
  private readonly sql: ReturnType<typeof prepareAll<typeof SQL>>;

  constructor(
    db: Db,
    private readonly partner: string,
    private readonly fileId: number,
  ) {
    this.sql = prepareAll(db, SQL);
  }

  /** Stores a purchase with its items, tenders and coupons; false when its receipt_id is stored already. */
  addPurchase(purchase: Purchase, position: number): boolean {
    const p = purchase;
    const { changes, lastInsertRowid } = this.sql.purchase.run(
      this.partner, this.fileId, position, p.receiptId, p.orderId, p.userId, p.total, p.subtotal,
      p.datePurchased, p.channelId, p.currency, p.customData, p.extra, p.requestExtra,
    );
    if (changes === 0) return false;
    const id = lastInsertRowid;
    p.items.forEach((item, line) => {
      this.sql.item.run(id, line, item.sku, item.price, item.quantity, exactly(item.transactionId), item.customData, item.awaitingFulfillment ? 1 : 0, item.extra);
    });
    p.tenders.forEach((tender, line) => this.sql.tender.run(id, line, tender.type, tender.amount, tender.extra));
    p.coupons.forEach((code, line) => this.sql.coupon.run(id, line, code));
    return true;
  }

  /** The stored purchase of `receiptId` (this file's earlier requests included). */
  purchase(receiptId: string): StoredPurchase | undefined {
    const row = this.sql.purchaseByReceipt.get(this.partner, receiptId) as { id: number } | undefined;
    if (!row) return undefined;
    const lines = this.sql.lines.all(row.id) as { sku: string; quantity: number; is_awaiting_fulfillment: number }[];
    return { id: row.id, lines: lines.map((line) => ({ sku: line.sku, quantity: line.quantity, awaitingFulfillment: line.is_awaiting_fulfillment === 1 })) };
  }

  returned(purchaseId: number): Map<string, number> {
    return quantities(this.sql.returned.all(purchaseId));
  }

  fulfilled(purchaseId: number): Map<string, number> {
    return quantities(this.sql.fulfilled.all(purchaseId));
  }

  hasReceipt(receiptId: string): boolean {
    return this.sql.purchaseByReceipt.get(this.partner, receiptId) !== undefined;
  }

  hasReturn(returnId: string): boolean {
    return this.sql.returnById.get(this.partner, returnId) !== undefined;
  }

  hasFulfillment(fulfillmentId: string): boolean {
    return this.sql.fulfillmentById.get(this.partner, fulfillmentId) !== undefined;
  }

  /**
   * Whether the request stored under `id` is this very request: this file's, at `position`, put
   * there when the file was processed before (a reprocess reads the same bytes again).
   */
  storedHere(kind: 'receipt' | 'return' | 'fulfillment', id: string, position: number): boolean {
    const statement = kind === 'receipt' ? this.sql.purchaseHolder : kind === 'return' ? this.sql.returnHolder : this.sql.fulfillmentHolder;
    const holder = statement.get(this.partner, id) as { fileId: number; position: number } | undefined;
    return holder !== undefined && holder.fileId === this.fileId && holder.position === position;
  }

  /** Stores a return against `purchaseId`; false when its return_id is stored already. */
  addReturn(request: Return, purchaseId: number, position: number): boolean {
    const r = request;
    const { changes, lastInsertRowid } = this.sql.return.run(
      this.partner, this.fileId, position, r.returnId, purchaseId, r.receiptId, r.dateReturned, r.extra, r.requestExtra,
    );
    if (changes === 0) return false;
    r.items.forEach((item, line) => this.sql.returnItem.run(lastInsertRowid, line, item.sku, item.quantity, item.price, item.extra));
    return true;
  }

  /** Stores a fulfillment against `purchaseId`; false when its fulfillment_id is stored already. */
  addFulfillment(request: Fulfillment, purchaseId: number, position: number): boolean {
    const f = request;
    const { changes, lastInsertRowid } = this.sql.fulfillment.run(
      this.partner, this.fileId, position, f.fulfillmentId, purchaseId, f.receiptId, f.dateFulfilled, f.extra, f.requestExtra,
    );
    if (changes === 0) return false;
    f.items.forEach((item, line) => this.sql.fulfillmentItem.run(lastInsertRowid, line, item.sku, item.quantity, item.extra));
    return true;
  }

  async flush(): Promise<void> {}
}

function quantities(rows: unknown[]): Map<string, number> {
  return new Map((rows as { sku: string; quantity: number }[]).map((row) => [row.sku, row.quantity]));
}
