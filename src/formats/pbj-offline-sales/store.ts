/** The PBJ sales table, by partner and channel. */
import type Database from 'better-sqlite3';
import type { Db } from '../../store/database.js';
import type { KeyHolder } from '../delimited/dedupe.js';

/** Whose sales: one file of one partner, on the channel its name gives. */
export interface SaleTarget {
  id: number;
  partner: string;
  channel: string;
}

export class PbjStore {
  private readonly insert: Database.Statement;
  private readonly holder: Database.Statement;

  constructor(db: Db) {
    // ON CONFLICT instead of a lookup first: one statement per sale, and the answer says whether
    // the ORDER_ID was already used on this channel.
    this.insert = db.prepare(
      `INSERT INTO pbj_sales (file_id, partner_id, channel, line, order_id, draw_no, customer_id, product, quantity, amount, payment_method, sale_date)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (partner_id, channel, order_id) DO NOTHING`,
    );
    this.holder = db.prepare('SELECT file_id AS fileId, line FROM pbj_sales WHERE partner_id = ? AND channel = ? AND order_id = ?');
  }

  /**
   * Stores a sale of `file` (values in PBJ_COLUMNS order, passed through without a record object:
   * this runs once per line); false when its ORDER_ID is already used on its channel.
   */
  addSale(file: SaleTarget, line: number, values: readonly unknown[]): boolean {
    return this.insert.run(file.id, file.partner, file.channel, line, ...values).changes === 1;
  }

  /** The sale holding `orderId` on the file's channel (asked only after `addSale` found one). */
  holderOf(file: SaleTarget, orderId: number): KeyHolder {
    return this.holder.get(file.partner, file.channel, orderId) as KeyHolder;
  }
}
