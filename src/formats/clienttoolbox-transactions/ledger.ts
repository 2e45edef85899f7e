/** The Client Toolbox ledger tables: customers, every entry, balances, undone batches. */
import type Database from 'better-sqlite3';
import type { Db } from '../../store/database.js';

/** Whose balance: one customer in one campaign (and one product, for buy-X). */
export interface BalanceKey {
  partner: string;
  campaign: string;
  code: string;
  product: string;
}

export interface NewEntry extends BalanceKey {
  fileId: number;
  line: number;
  kind: 'earn' | 'redeem' | 'undo';
  amount: string;
  delta: number;
  date: string;
  authorization: string;
  promoIds: string;
  undoes?: number;
  at: string;
}

export interface Entry extends BalanceKey {
  id: number;
  fileId: number;
  line: number;
  kind: 'earn' | 'redeem' | 'undo';
  delta: number;
  /** For an `undo` entry: the entry it reverses. */
  undoes: number | null;
}

export interface BalanceRow extends BalanceKey {
  balance: number;
  updatedAt: string;
}

const ENTRY_COLUMNS = `id, file_id AS fileId, partner_id AS partner, campaign_id AS campaign, code, product, line, kind, delta, undoes`;

export class ToolboxLedger {
  private readonly statements: Record<'customer' | 'addCustomer' | 'balance' | 'entry' | 'upsert', Database.Statement>;

  constructor(private readonly db: Db) {
    this.statements = {
      // a code first: a card number never hides the customer whose code it is
      customer: db.prepare(
        'SELECT code FROM toolbox_customers WHERE partner_id = @partner AND (code = @name OR card_number = @name) ORDER BY code = @name DESC LIMIT 1',
      ),
      addCustomer: db.prepare(
        'INSERT INTO toolbox_customers (partner_id, code, card_number, created_file_id, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?)',
      ),
      balance: db.prepare('SELECT balance FROM toolbox_balances WHERE partner_id = ? AND campaign_id = ? AND code = ? AND product = ?'),
      entry: db.prepare(
        `INSERT INTO toolbox_entries (file_id, partner_id, campaign_id, code, product, line, kind, amount, delta, date, authorization, promo_ids, undoes, created_at)
         VALUES (@fileId, @partner, @campaign, @code, @product, @line, @kind, @amount, @delta, @date, @authorization, @promoIds, @undoes, @at)`,
      ),
      upsert: db.prepare(
        `INSERT INTO toolbox_balances (partner_id, campaign_id, code, product, balance, updated_at) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (partner_id, campaign_id, code, product) DO UPDATE SET balance = balance + excluded.balance, updated_at = excluded.updated_at`,
      ),
    };
  }

  /** The code of the customer `name` is the code or card number of (the guide's `code` is either). */
  customerCode(partner: string, name: string): string | undefined {
    return (this.statements.customer.get({ partner, name }) as { code: string } | undefined)?.code;
  }

  /** A customer created by a file (`fileId`), or by an operator (`fileId` 0, `by`). */
  addCustomer(partner: string, code: string, fileId: number, at: string, extra: { cardNumber?: string; by?: string } = {}): void {
    this.statements.addCustomer.run(partner, code, extra.cardNumber || null, fileId, extra.by ?? null, at);
  }

  balance(key: BalanceKey): number {
    const row = this.statements.balance.get(key.partner, key.campaign, key.code, key.product) as { balance: number } | undefined;
    return row?.balance ?? 0;
  }

  /** Records the entry and moves the balance by its delta. */
  post(entry: NewEntry): void {
    this.statements.entry.run({ ...entry, undoes: entry.undoes ?? null });
    this.statements.upsert.run(entry.partner, entry.campaign, entry.code, entry.product, entry.delta, entry.at);
  }

  /** The lines of a file that posted an entry (undone or not): what it stored when processed. */
  linesOfFile(fileId: number): number[] {
    return this.db.prepare(`SELECT DISTINCT line FROM toolbox_entries WHERE file_id = ? AND kind != 'undo'`).pluck().all(fileId) as number[];
  }

  entriesOfFile(fileId: number): Entry[] {
    return this.db.prepare(`SELECT ${ENTRY_COLUMNS} FROM toolbox_entries WHERE file_id = ? AND kind != 'undo' ORDER BY id`).all(fileId) as Entry[];
  }

  /** Every entry of one balance, oldest first. */
  entriesOf(key: BalanceKey): Entry[] {
    return this.db
      .prepare(`SELECT ${ENTRY_COLUMNS} FROM toolbox_entries WHERE partner_id = ? AND campaign_id = ? AND code = ? AND product = ? ORDER BY id`)
      .all(key.partner, key.campaign, key.code, key.product) as Entry[];
  }

  undoneAt(fileId: number): { undone_by: string; undone_at: string } | undefined {
    return this.db.prepare('SELECT undone_by, undone_at FROM toolbox_undos WHERE file_id = ?').get(fileId) as
      | { undone_by: string; undone_at: string }
      | undefined;
  }

  recordUndo(fileId: number, partner: string, by: string, reason: string, at: string, entries: number): void {
    this.db
      .prepare('INSERT INTO toolbox_undos (file_id, partner_id, undone_by, reason, undone_at, entries) VALUES (?, ?, ?, ?, ?, ?)')
      .run(fileId, partner, by, reason, at, entries);
  }

  balances(partner: string, code?: string): BalanceRow[] {
    const rows = this.db
      .prepare(
        `SELECT partner_id AS partner, campaign_id AS campaign, code, product, balance, updated_at AS updatedAt
         FROM toolbox_balances WHERE partner_id = ? AND (? IS NULL OR code = ?) ORDER BY code, campaign_id, product`,
      )
      .all(partner, code ?? null, code ?? null) as BalanceRow[];
    return rows;
  }
}
