/**
 * The CrowdTwist tables on PostgreSQL, for one file that holds its partner's CrowdTwist lock (see
 * `openPosStore`): nothing else stores the partner's requests meanwhile, so what `prepare` read
 * for a piece of input stays true once the file's own requests are added to it. Ids are taken
 * from the tables' sequences a piece at a time, and the rows go in by COPY.
 */
import type pg from 'pg';
import { copyRows } from '../../store/postgres/copy.js';
import { rowsByKeys } from '../../store/postgres/rows-by-keys.js';
import type { CheckedElement } from './check-element.js';
import type { PosStore, StoredPurchase } from './pos-store.js';
import type { BoughtLine } from './relations.js';
import type { Fulfillment, Purchase, Return } from './requests.js';

/** Who stored a request under its id. */
interface Holder {
  fileId: number;
  position: number;
}

interface KnownPurchase extends StoredPurchase, Holder {}

const TABLES = {
  purchases: ['id', 'partner_id', 'file_id', 'position', 'receipt_id', 'order_id', 'user_id', 'total', 'subtotal', 'date_purchased', 'channel_id', 'currency', 'custom_data', 'extra', 'request_extra'],
  items: ['purchase_id', 'line', 'sku', 'price', 'quantity', 'transaction_id', 'custom_data', 'is_awaiting_fulfillment', 'extra'],
  tenders: ['purchase_id', 'line', 'type', 'amount', 'extra'],
  coupons: ['purchase_id', 'line', 'code'],
  returns: ['id', 'partner_id', 'file_id', 'position', 'return_id', 'purchase_id', 'receipt_id', 'date_returned', 'extra', 'request_extra'],
  return_items: ['return_row', 'line', 'sku', 'quantity', 'price', 'extra'],
  fulfillments: ['id', 'partner_id', 'file_id', 'position', 'fulfillment_id', 'purchase_id', 'receipt_id', 'date_fulfilled', 'extra', 'request_extra'],
  fulfillment_items: ['fulfillment_row', 'line', 'sku', 'quantity', 'extra'],
} as const;

type Table = keyof typeof TABLES;

/** Requests queued before a COPY (the bench's batches are 80,000 purchases). */
const COPY_BATCH = 2000;

function unknownOf<T>(ids: Iterable<string>, known: ReadonlyMap<string, T>): string[] {
  return [...new Set(ids)].filter((id) => !known.has(id));
}

export class PostgresPosStore implements PosStore {
  readonly turnElements = Number.POSITIVE_INFINITY;
  /** Receipts looked up or stored, with their purchase; null for one not stored. */
  private readonly purchases = new Map<string, KnownPurchase | null>();
  private readonly returns = new Map<string, Holder | null>();
  private readonly fulfillments = new Map<string, Holder | null>();
  /** What was returned and fulfilled of each known purchase, per sku. */
  private readonly returnedOf = new Map<number, Map<string, number>>();
  private readonly fulfilledOf = new Map<number, Map<string, number>>();
  /** Ids taken from the sequences and not used yet, per table. */
  private readonly ids = { purchases: [] as number[], returns: [] as number[], fulfillments: [] as number[] };
  private pending = new Map<Table, unknown[]>();
  private queued = 0;

  constructor(
    private readonly client: pg.ClientBase,
    private readonly partner: string,
    private readonly fileId: number,
  ) {}

  async prepare(elements: readonly CheckedElement[]): Promise<void> {
    const receipts: string[] = [];
    const returns: string[] = [];
    const fulfillments: string[] = [];
    const wanted = { purchases: 0, returns: 0, fulfillments: 0 };
    for (const { checked } of elements) {
      if (checked.receiptId !== undefined) receipts.push(checked.receiptId);
      if (checked.type === 'return' && checked.returnId !== undefined) returns.push(checked.returnId);
      if (checked.type === 'fulfillment' && checked.fulfillmentId !== undefined) fulfillments.push(checked.fulfillmentId);
      const kind = checked.request?.kind;
      if (kind) wanted[kind === 'purchase' ? 'purchases' : kind === 'return' ? 'returns' : 'fulfillments'] += 1;
    }
    await this.readPurchases(unknownOf(receipts, this.purchases));
    await this.readHolders('crowdtwist_returns', 'return_id', unknownOf(returns, this.returns), this.returns);
    await this.readHolders('crowdtwist_fulfillments', 'fulfillment_id', unknownOf(fulfillments, this.fulfillments), this.fulfillments);
    for (const table of ['purchases', 'returns', 'fulfillments'] as const) await this.takeIds(table, wanted[table]);
  }

  addPurchase(p: Purchase, position: number): boolean {
    if (this.known(this.purchases, p.receiptId)) return false;
    const id = this.nextId('purchases');
    this.queue('purchases', id, this.partner, this.fileId, position, p.receiptId, p.orderId, p.userId, p.total, p.subtotal,
      p.datePurchased, p.channelId, p.currency, p.customData, p.extra, p.requestExtra);
    p.items.forEach((item, line) => {
      const transactionId = item.transactionId === null ? null : JSON.stringify(item.transactionId);
      this.queue('items', id, line, item.sku, item.price, item.quantity, transactionId, item.customData, item.awaitingFulfillment ? 1 : 0, item.extra);
    });
    p.tenders.forEach((tender, line) => this.queue('tenders', id, line, tender.type, tender.amount, tender.extra));
    p.coupons.forEach((code, line) => this.queue('coupons', id, line, code));
    const lines: BoughtLine[] = p.items.map((item) => ({ sku: item.sku, quantity: item.quantity, awaitingFulfillment: item.awaitingFulfillment }));
    this.purchases.set(p.receiptId, { id, lines, fileId: this.fileId, position });
    this.returnedOf.set(id, new Map());
    this.fulfilledOf.set(id, new Map());
    this.queued += 1;
    return true;
  }

  purchase(receiptId: string): StoredPurchase | undefined {
    return this.known(this.purchases, receiptId) ?? undefined;
  }

  returned(purchaseId: number): Map<string, number> {
    return new Map(this.quantitiesOf(this.returnedOf, purchaseId));
  }

  fulfilled(purchaseId: number): Map<string, number> {
    return new Map(this.quantitiesOf(this.fulfilledOf, purchaseId));
  }

  hasReceipt(receiptId: string): boolean {
    return this.known(this.purchases, receiptId) !== null;
  }

  hasReturn(returnId: string): boolean {
    return this.known(this.returns, returnId) !== null;
  }

  hasFulfillment(fulfillmentId: string): boolean {
    return this.known(this.fulfillments, fulfillmentId) !== null;
  }

  storedHere(kind: 'receipt' | 'return' | 'fulfillment', id: string, position: number): boolean {
    const holder = this.known(kind === 'receipt' ? this.purchases : kind === 'return' ? this.returns : this.fulfillments, id);
    return holder !== null && holder.fileId === this.fileId && holder.position === position;
  }

  addReturn(r: Return, purchaseId: number, position: number): boolean {
    if (this.known(this.returns, r.returnId)) return false;
    const id = this.nextId('returns');
    this.queue('returns', id, this.partner, this.fileId, position, r.returnId, purchaseId, r.receiptId, r.dateReturned, r.extra, r.requestExtra);
    r.items.forEach((item, line) => this.queue('return_items', id, line, item.sku, item.quantity, item.price, item.extra));
    this.returns.set(r.returnId, { fileId: this.fileId, position });
    add(this.quantitiesOf(this.returnedOf, purchaseId), r.items);
    this.queued += 1;
    return true;
  }

  addFulfillment(f: Fulfillment, purchaseId: number, position: number): boolean {
    if (this.known(this.fulfillments, f.fulfillmentId)) return false;
    const id = this.nextId('fulfillments');
    this.queue('fulfillments', id, this.partner, this.fileId, position, f.fulfillmentId, purchaseId, f.receiptId, f.dateFulfilled, f.extra, f.requestExtra);
    f.items.forEach((item, line) => this.queue('fulfillment_items', id, line, item.sku, item.quantity, item.extra));
    this.fulfillments.set(f.fulfillmentId, { fileId: this.fileId, position });
    add(this.quantitiesOf(this.fulfilledOf, purchaseId), f.items);
    this.queued += 1;
    return true;
  }

  async flush(final: boolean): Promise<void> {
    if (!final && this.queued < COPY_BATCH) return;
    const pending = this.pending;
    this.pending = new Map();
    this.queued = 0;
    // in the order the foreign keys need: a purchase before its items and returns
    for (const table of Object.keys(TABLES) as Table[]) {
      await copyRows(this.client, `crowdtwist_${table}`, TABLES[table], pending.get(table) ?? []);
    }
  }

  private queue(table: Table, ...values: unknown[]): void {
    const rows = this.pending.get(table);
    if (rows) rows.push(...values);
    else this.pending.set(table, values);
  }

  /** What `prepare` read, or the file stored since; an id it was not asked for is a bug of the caller. */
  private known<T>(map: ReadonlyMap<string, T | null>, id: string): T | null {
    const found = map.get(id);
    if (found === undefined) throw new Error(`${id} was not prepared for`);
    return found;
  }

  private quantitiesOf(of: Map<number, Map<string, number>>, purchaseId: number): Map<string, number> {
    const quantities = of.get(purchaseId);
    if (!quantities) throw new Error(`purchase ${purchaseId} was not prepared for`);
    return quantities;
  }

  private nextId(table: 'purchases' | 'returns' | 'fulfillments'): number {
    const id = this.ids[table].pop();
    if (id === undefined) throw new Error(`no ${table} id was taken for this request`);
    return id;
  }

  /** Ids from the table's identity sequence, enough for `count` requests of the piece. */
  private async takeIds(table: 'purchases' | 'returns' | 'fulfillments', count: number): Promise<void> {
    const missing = count - this.ids[table].length;
    if (missing <= 0) return;
    const result = await this.client.query<{ id: number }>(
      `SELECT nextval(pg_get_serial_sequence('crowdtwist_${table}', 'id')) AS id FROM generate_series(1, $1::int)`,
      [missing],
    );
    // popped from the end, lowest first (those left from before are lower still): ids follow the file's order
    this.ids[table] = [...result.rows.map((row) => row.id).reverse(), ...this.ids[table]];
  }

  private async readPurchases(receipts: string[]): Promise<void> {
    if (receipts.length === 0) return;
    const found = await rowsByKeys<{ id: number; receipt_id: string; file_id: number; position: number }>(
      this.client,
      { table: 'crowdtwist_purchases', columns: 'id, receipt_id, file_id, position', scope: { partner_id: this.partner }, key: 'receipt_id', keyType: 'text' },
      receipts,
    );
    for (const receipt of receipts) this.purchases.set(receipt, null);
    if (found.length === 0) return;
    const ids = found.map((row) => row.id);
    const lines = new Map<number, BoughtLine[]>(ids.map((id) => [id, []]));
    const items = await this.client.query<{ purchase_id: number; sku: string; quantity: number; is_awaiting_fulfillment: number }>(
      'SELECT purchase_id, sku, quantity, is_awaiting_fulfillment FROM crowdtwist_items WHERE purchase_id = ANY($1::bigint[]) ORDER BY purchase_id, line',
      [ids],
    );
    for (const item of items.rows) lines.get(item.purchase_id)?.push({ sku: item.sku, quantity: item.quantity, awaitingFulfillment: item.is_awaiting_fulfillment === 1 });
    for (const row of found) {
      this.purchases.set(row.receipt_id, { id: row.id, lines: lines.get(row.id) ?? [], fileId: row.file_id, position: row.position });
    }
    await this.readQuantities('crowdtwist_returns', 'crowdtwist_return_items', 'return_row', ids, this.returnedOf);
    await this.readQuantities('crowdtwist_fulfillments', 'crowdtwist_fulfillment_items', 'fulfillment_row', ids, this.fulfilledOf);
  }

  private async readQuantities(table: string, items: string, row: string, ids: number[], into: Map<number, Map<string, number>>): Promise<void> {
    for (const id of ids) into.set(id, new Map());
    const sums = await this.client.query<{ purchase_id: number; sku: string; quantity: number }>(
      `SELECT r.purchase_id, i.sku, sum(i.quantity)::bigint AS quantity FROM ${table} r
       JOIN ${items} i ON i.${row} = r.id WHERE r.purchase_id = ANY($1::bigint[]) GROUP BY r.purchase_id, i.sku`,
      [ids],
    );
    for (const sum of sums.rows) into.get(sum.purchase_id)?.set(sum.sku, sum.quantity);
  }

  private async readHolders(table: string, column: string, ids: string[], into: Map<string, Holder | null>): Promise<void> {
    if (ids.length === 0) return;
    const found = await rowsByKeys<{ id: string; file_id: number; position: number }>(
      this.client,
      { table, columns: `${column} AS id, file_id, position`, scope: { partner_id: this.partner }, key: column, keyType: 'text' },
      ids,
    );
    for (const id of ids) into.set(id, null);
    for (const row of found) into.set(row.id, { fileId: row.file_id, position: row.position });
  }
}

/** Adds items' quantities to what was returned or fulfilled of a purchase. */
function add(quantities: Map<string, number>, items: readonly { sku: string; quantity: number }[]): void {
  for (const item of items) quantities.set(item.sku, (quantities.get(item.sku) ?? 0) + item.quantity);
}
