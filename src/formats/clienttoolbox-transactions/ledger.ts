/**
 * The Client Toolbox ledger tables: customers, every entry, balances, undone batches. A batch
 * judges each line against what the lines before it wrote (a customer created, a balance earned),
 * so the reads a line needs are synchronous: on SQLite they are today's statements, one per line
 * (as measured); on PostgreSQL they are answered from what `prepare` read for a piece of input at
 * once, kept up to date with the batch's own writes, which go in by COPY (postgres-ledger.ts).
 */
import type Database from 'better-sqlite3';
import type { Db } from '../../store/database.js';
import { FORMAT_LOCK, lockFormatKey } from '../../store/postgres/format-locks.js';
import type { EngineHandle } from '../../store/store.js';
import { ENTRY_COLUMNS, PostgresToolboxLedger } from './postgres-ledger.js';

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

/** Who undid a batch, and when. */
export interface UndoneBy {
  undone_by: string;
  undone_at: string;
}

/** One partner's ledger inside one transaction. */
export interface ToolboxLedger {
  /**
   * PostgreSQL: reads the customers `names` name (codes or card numbers) and their balances, so
   * that `customerCode` and `balance` can answer for them; absent on SQLite, which reads per call.
   */
  prepare?(names: readonly string[]): Promise<void>;
  /** The code of the customer `name` is the code or card number of (the guide's `code` is either). */
  customerCode(partner: string, name: string): string | undefined;
  /** A customer created by a file (`fileId`), or by an operator (`fileId` 0, `by`). */
  addCustomer(partner: string, code: string, fileId: number, at: string, extra?: { cardNumber?: string; by?: string }): void;
  balance(key: BalanceKey): number;
  /** Records the entry and moves the balance by its delta. */
  post(entry: NewEntry): void;
  /** Writes what is queued: full batches, or with `final` everything. */
  flush(final: boolean): Promise<void>;
  /** The lines of a file that posted an entry (undone or not): what it stored when processed. */
  linesOfFile(fileId: number): Promise<number[]>;
  entriesOfFile(fileId: number): Promise<Entry[]>;
  /** Every entry of one balance, oldest first. */
  entriesOf(key: BalanceKey): Promise<Entry[]>;
  undoneAt(fileId: number): Promise<UndoneBy | undefined>;
  recordUndo(fileId: number, partner: string, by: string, reason: string, at: string, entries: number): Promise<void>;
}

/**
 * The ledger of `partner` in the transaction of `handle`. On PostgreSQL the partner's ledger lock
 * is held first, until the transaction ends: a batch, an undo and an operator's customers of one
 * partner on two nodes never judge balances or customers the other is about to change.
 */
export async function openToolboxLedger(handle: EngineHandle, partner: string): Promise<ToolboxLedger> {
  if (handle.engine === 'sqlite') return new SqliteToolboxLedger(handle.db);
  await lockFormatKey(handle.client, FORMAT_LOCK.toolbox, partner);
  return new PostgresToolboxLedger(handle.client, partner);
}

/** A partner's balances (one customer's with `code`), as committed or as the transaction sees them. */
export async function toolboxBalances(handle: EngineHandle, partner: string, code?: string): Promise<BalanceRow[]> {
  const columns = 'partner_id AS partner, campaign_id AS campaign, code, product, balance, updated_at AS "updatedAt"';
  if (handle.engine === 'sqlite') {
    return handle.db
      .prepare(`SELECT ${columns} FROM toolbox_balances WHERE partner_id = ? AND (? IS NULL OR code = ?) ORDER BY code, campaign_id, product`)
      .all(partner, code ?? null, code ?? null) as BalanceRow[];
  }
  const result = await handle.client.query<BalanceRow>(
    `SELECT ${columns} FROM toolbox_balances WHERE partner_id = $1 AND ($2::text IS NULL OR code = $2) ORDER BY code, campaign_id, product`,
    [partner, code ?? null],
  );
  return result.rows;
}

type Statement = 'customer' | 'addCustomer' | 'balance' | 'entry' | 'upsert';

class SqliteToolboxLedger implements ToolboxLedger {
  private readonly statements: Record<Statement, Database.Statement>;

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

  customerCode(partner: string, name: string): string | undefined {
    return (this.statements.customer.get({ partner, name }) as { code: string } | undefined)?.code;
  }

  addCustomer(partner: string, code: string, fileId: number, at: string, extra: { cardNumber?: string; by?: string } = {}): void {
    this.statements.addCustomer.run(partner, code, extra.cardNumber || null, fileId, extra.by ?? null, at);
  }

  balance(key: BalanceKey): number {
    const row = this.statements.balance.get(key.partner, key.campaign, key.code, key.product) as { balance: number } | undefined;
    return row?.balance ?? 0;
  }

  post(entry: NewEntry): void {
    this.statements.entry.run({ ...entry, undoes: entry.undoes ?? null });
    this.statements.upsert.run(entry.partner, entry.campaign, entry.code, entry.product, entry.delta, entry.at);
  }

  async flush(): Promise<void> {}

  async linesOfFile(fileId: number): Promise<number[]> {
    return this.db.prepare(`SELECT DISTINCT line FROM toolbox_entries WHERE file_id = ? AND kind != 'undo'`).pluck().all(fileId) as number[];
  }

  async entriesOfFile(fileId: number): Promise<Entry[]> {
    return this.db.prepare(`SELECT ${ENTRY_COLUMNS} FROM toolbox_entries WHERE file_id = ? AND kind != 'undo' ORDER BY id`).all(fileId) as Entry[];
  }

  async entriesOf(key: BalanceKey): Promise<Entry[]> {
    return this.db
      .prepare(`SELECT ${ENTRY_COLUMNS} FROM toolbox_entries WHERE partner_id = ? AND campaign_id = ? AND code = ? AND product = ? ORDER BY id`)
      .all(key.partner, key.campaign, key.code, key.product) as Entry[];
  }

  async undoneAt(fileId: number): Promise<UndoneBy | undefined> {
    return this.db.prepare('SELECT undone_by, undone_at FROM toolbox_undos WHERE file_id = ?').get(fileId) as UndoneBy | undefined;
  }

  async recordUndo(fileId: number, partner: string, by: string, reason: string, at: string, entries: number): Promise<void> {
    this.db
      .prepare('INSERT INTO toolbox_undos (file_id, partner_id, undone_by, reason, undone_at, entries) VALUES (?, ?, ?, ?, ?, ?)')
      .run(fileId, partner, by, reason, at, entries);
  }
}
