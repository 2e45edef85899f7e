/**
 * The Client Toolbox ledger on PostgreSQL, for one partner in one transaction that holds the
 * partner's ledger lock (see `openToolboxLedger`): nothing else changes the partner's customers
 * or balances meanwhile, so what `prepare` read stays true once the transaction's own writes are
 * added to it. Entries and customers are queued and go in by COPY; the balances move once per
 * balance and flush, by one multi-row upsert of the deltas.
 */
import type pg from 'pg';
import { copyRows } from '../../store/postgres/copy.js';
import { rowsByKeys } from '../../store/postgres/rows-by-keys.js';
import type { BalanceKey, Entry, NewEntry, ToolboxLedger, UndoneBy } from './ledger.js';

/** An entry as both engines read it back (quoted aliases, which SQLite takes as well). */
export const ENTRY_COLUMNS = `id, file_id AS "fileId", partner_id AS partner, campaign_id AS campaign, code, product, line, kind, delta, undoes`;

const ENTRY_COPY = ['file_id', 'partner_id', 'campaign_id', 'code', 'product', 'line', 'kind', 'amount', 'delta', 'date', '"authorization"', 'promo_ids', 'undoes', 'created_at'];
const CUSTOMER_COPY = ['partner_id', 'code', 'card_number', 'created_file_id', 'created_by', 'created_at'];
const COPY_BATCH = 1000;

function balanceKey(campaign: string, code: string, product: string): string {
  return `${campaign}\n${code}\n${product}`;
}

export class PostgresToolboxLedger implements ToolboxLedger {
  /** Names (codes and card numbers) looked up or created, with the code each names; null for none. */
  private readonly names = new Map<string, string | null>();
  /** Codes whose every balance is in `balances` (a balance absent there is 0). */
  private readonly loaded = new Set<string>();
  private readonly balances = new Map<string, number>();
  /** Balance moves not written yet: key → delta and the time of the last. */
  private readonly moves = new Map<string, { key: BalanceKey; delta: number; at: string }>();
  private entries: unknown[] = [];
  private customers: unknown[] = [];

  constructor(
    private readonly client: pg.ClientBase,
    private readonly partner: string,
  ) {}

  async prepare(names: readonly string[]): Promise<void> {
    const unknown = [...new Set(names)].filter((name) => !this.names.has(name));
    if (unknown.length === 0) return;
    const scope = { partner_id: this.partner };
    const columns = 'code, card_number';
    const found = [
      ...(await rowsByKeys<{ code: string; card_number: string | null }>(this.client, { table: 'toolbox_customers', columns, scope, key: 'code', keyType: 'text' }, unknown)),
      ...(await rowsByKeys<{ code: string; card_number: string | null }>(this.client, { table: 'toolbox_customers', columns, scope, key: 'card_number', keyType: 'text' }, unknown)),
    ];
    const asked = new Set(unknown);
    for (const name of unknown) this.names.set(name, null);
    // a code first: a card number never hides the customer whose code it is
    for (const row of found) if (row.card_number !== null && asked.has(row.card_number)) this.names.set(row.card_number, row.code);
    for (const row of found) if (asked.has(row.code)) this.names.set(row.code, row.code);
    const codes = [...new Set(unknown.map((name) => this.names.get(name) ?? name))].filter((code) => !this.loaded.has(code));
    if (codes.length === 0) return;
    // one probe of toolbox_balances_by_code per customer (OFFSET 0 keeps it a probe, see rows-by-keys.ts)
    const balances = await this.client.query<{ campaign_id: string; code: string; product: string; balance: number }>(
      `SELECT b.* FROM unnest($2::text[]) AS k(code)
       CROSS JOIN LATERAL (SELECT campaign_id, code, product, balance FROM toolbox_balances WHERE partner_id = $1 AND code = k.code OFFSET 0) b`,
      [this.partner, codes],
    );
    for (const row of balances.rows) this.balances.set(balanceKey(row.campaign_id, row.code, row.product), row.balance);
    for (const code of codes) this.loaded.add(code);
  }

  customerCode(partner: string, name: string): string | undefined {
    this.own(partner);
    const code = this.names.get(name);
    if (code === undefined) throw new Error(`customer ${name} was not prepared for`);
    return code ?? undefined;
  }

  addCustomer(partner: string, code: string, fileId: number, at: string, extra: { cardNumber?: string; by?: string } = {}): void {
    this.own(partner);
    this.customers.push(partner, code, extra.cardNumber || null, fileId, extra.by ?? null, at);
    this.names.set(code, code);
    if (extra.cardNumber && this.names.get(extra.cardNumber) == null) this.names.set(extra.cardNumber, code);
    // a new customer has no balance yet: every one of them is known
    this.loaded.add(code);
  }

  balance(key: BalanceKey): number {
    this.own(key.partner);
    if (!this.loaded.has(key.code)) throw new Error(`the balances of ${key.code} were not prepared for`);
    return this.balances.get(balanceKey(key.campaign, key.code, key.product)) ?? 0;
  }

  post(entry: NewEntry): void {
    this.own(entry.partner);
    this.entries.push(
      entry.fileId, entry.partner, entry.campaign, entry.code, entry.product, entry.line, entry.kind, entry.amount,
      entry.delta, entry.date, entry.authorization, entry.promoIds, entry.undoes ?? null, entry.at,
    );
    const id = balanceKey(entry.campaign, entry.code, entry.product);
    if (this.loaded.has(entry.code)) this.balances.set(id, (this.balances.get(id) ?? 0) + entry.delta);
    const move = this.moves.get(id);
    if (move) {
      move.delta += entry.delta;
      move.at = entry.at;
    } else this.moves.set(id, { key: entry, delta: entry.delta, at: entry.at });
  }

  async flush(final: boolean): Promise<void> {
    if (!final && this.entries.length < COPY_BATCH * ENTRY_COPY.length) return;
    const customers = this.customers;
    const entries = this.entries;
    const moves = [...this.moves.values()];
    this.customers = [];
    this.entries = [];
    this.moves.clear();
    await copyRows(this.client, 'toolbox_customers', CUSTOMER_COPY, customers);
    await copyRows(this.client, 'toolbox_entries', ENTRY_COPY, entries);
    if (moves.length === 0) return;
    await this.client.query(
      `INSERT INTO toolbox_balances (partner_id, campaign_id, code, product, balance, updated_at)
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bigint[], $6::text[])
       ON CONFLICT (partner_id, campaign_id, code, product) DO UPDATE SET balance = toolbox_balances.balance + excluded.balance, updated_at = excluded.updated_at`,
      [
        moves.map((move) => move.key.partner),
        moves.map((move) => move.key.campaign),
        moves.map((move) => move.key.code),
        moves.map((move) => move.key.product),
        moves.map((move) => move.delta),
        moves.map((move) => move.at),
      ],
    );
  }

  async linesOfFile(fileId: number): Promise<number[]> {
    await this.flush(true);
    const result = await this.client.query<{ line: number }>(`SELECT DISTINCT line FROM toolbox_entries WHERE file_id = $1 AND kind != 'undo'`, [fileId]);
    return result.rows.map((row) => row.line);
  }

  async entriesOfFile(fileId: number): Promise<Entry[]> {
    await this.flush(true);
    const result = await this.client.query<Entry>(`SELECT ${ENTRY_COLUMNS} FROM toolbox_entries WHERE file_id = $1 AND kind != 'undo' ORDER BY id`, [fileId]);
    return result.rows;
  }

  async entriesOf(key: BalanceKey): Promise<Entry[]> {
    await this.flush(true);
    const result = await this.client.query<Entry>(
      `SELECT ${ENTRY_COLUMNS} FROM toolbox_entries WHERE partner_id = $1 AND campaign_id = $2 AND code = $3 AND product = $4 ORDER BY id`,
      [key.partner, key.campaign, key.code, key.product],
    );
    return result.rows;
  }

  async undoneAt(fileId: number): Promise<UndoneBy | undefined> {
    const result = await this.client.query<UndoneBy>('SELECT undone_by, undone_at FROM toolbox_undos WHERE file_id = $1', [fileId]);
    return result.rows[0];
  }

  async recordUndo(fileId: number, partner: string, by: string, reason: string, at: string, entries: number): Promise<void> {
    await this.client.query('INSERT INTO toolbox_undos (file_id, partner_id, undone_by, reason, undone_at, entries) VALUES ($1, $2, $3, $4, $5, $6)', [
      fileId, partner, by, reason, at, entries,
    ]);
  }

  /** The lock held is the partner's: another partner's ledger is not this one. */
  private own(partner: string): void {
    if (partner !== this.partner) throw new Error(`this ledger is ${this.partner}'s, not ${partner}'s`);
  }
}
