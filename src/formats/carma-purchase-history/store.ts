/**
 * The `carma_purchases` table. Rows are written in multi-row INSERTs of {@link BATCH} rows: one
 * statement call per batch instead of per line is most of the bulk speed. Values are passed in
 * CARMA_COLUMNS order, without a record object per line.
 */
import type Database from 'better-sqlite3';
import type { Db } from '../../store/database.js';
import { CARMA_COLUMNS, CARMA_FIXED_COLUMNS } from './declaration.js';

const COLUMNS = ['file_id', 'partner_id', 'list_id', 'line', 'original_id', 'sku', 'item_price', 'transaction_time', 'quantity', 'total_price', 'custom'];
const BATCH = 100;

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

export class CarmaPurchases {
  private readonly single: Database.Statement;
  private readonly batch: Database.Statement;
  private readonly pending: unknown[] = [];

  constructor(
    db: Db,
    private readonly target: { fileId: number; partner: string; listId: string },
  ) {
    this.single = db.prepare(insertSql(1));
    this.batch = db.prepare(insertSql(BATCH));
  }

  /** Queues one purchase; written with the next full batch or at `flush`. */
  add(line: number, values: readonly unknown[]): void {
    const { fileId, partner, listId } = this.target;
    this.pending.push(fileId, partner, listId, line, values[0], values[1], values[2], values[3] ?? null, values[4] ?? null, values[5] ?? null, customJson(values));
    if (this.pending.length === BATCH * COLUMNS.length) {
      this.batch.run(this.pending);
      this.pending.length = 0;
    }
  }

  /** Writes what is still queued. */
  flush(): void {
    for (let at = 0; at < this.pending.length; at += COLUMNS.length) {
      this.single.run(this.pending.slice(at, at + COLUMNS.length));
    }
    this.pending.length = 0;
  }
}
