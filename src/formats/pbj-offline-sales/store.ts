/** The PBJ tables: the names already accepted and the sales, by partner and channel. */
import type { Db } from '../../store/database.js';
import type Database from 'better-sqlite3';

export class PbjStore {
  private readonly insert: Database.Statement;

  constructor(private readonly db: Db) {
    // ON CONFLICT instead of a lookup first: one statement per sale, and the answer says whether
    // the ORDER_ID was already used on this channel.
    this.insert = db.prepare(
      `INSERT INTO pbj_sales (file_id, partner_id, channel, line, order_id, draw_no, customer_id, product, quantity, amount, payment_method, sale_date)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (partner_id, channel, order_id) DO NOTHING`,
    );
  }

  /**
   * Uses up the name for `fileId`, inside the file's transaction (so a refused file does not use it
   * up). False when another file of this partner already has it.
   */
  claimName(partner: string, name: string, fileId: number): boolean {
    const owner = this.db.prepare('SELECT file_id FROM pbj_names WHERE partner_id = ? AND name = ?').get(partner, name) as
      | { file_id: number }
      | undefined;
    if (owner) return owner.file_id === fileId;
    this.db.prepare('INSERT INTO pbj_names (partner_id, name, file_id) VALUES (?, ?, ?)').run(partner, name, fileId);
    return true;
  }

  /**
   * Stores a sale of `file` (values in PBJ_COLUMNS order, passed through without a record object:
   * this runs once per line); false when its ORDER_ID is already used on its channel.
   */
  addSale(file: { id: number; partner: string; channel: string }, line: number, values: readonly unknown[]): boolean {
    return this.insert.run(file.id, file.partner, file.channel, line, ...values).changes === 1;
  }
}
