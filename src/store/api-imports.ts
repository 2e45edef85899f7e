/** Carma imports opened over the partner API: each data post becomes a file (a batch) of its own. */
import type { Db } from './database.js';
import { Statements } from './statements.js';

export interface ApiImport {
  id: string;
  partner: string;
  listId: string;
  dataPosts: number;
}

/** An `api_imports` row as both engines return it. */
export interface ImportRow {
  id: string;
  partner_id: string;
  list_id: string;
  data_posts: number;
}

/** What the partner API may do with imports (awaited: the writes take the daemon's write lock). */
export interface ApiImports {
  open(entry: { id: string; partner: string; listId: string; metadata: unknown }): Promise<void>;
  find(partner: string, listId: string, id: string): Promise<ApiImport | undefined>;
  nextPost(id: string): Promise<number>;
}

export class ApiImportStore implements ApiImports {
  private readonly sql: Statements;

  constructor(
    db: Db,
    private readonly now: () => Date,
  ) {
    this.sql = new Statements(db);
  }

  async open(entry: { id: string; partner: string; listId: string; metadata: unknown }): Promise<void> {
    this.sql
      .get('INSERT INTO api_imports (id, partner_id, list_id, metadata, created_at) VALUES (?, ?, ?, ?, ?)')
      .run(entry.id, entry.partner, entry.listId, JSON.stringify(entry.metadata ?? null), this.now().toISOString());
  }

  /** The import, only for its own partner and list: another's answers as if it did not exist. */
  async find(partner: string, listId: string, id: string): Promise<ApiImport | undefined> {
    const row = this.sql.get('SELECT id, partner_id, list_id, data_posts FROM api_imports WHERE id = ? AND partner_id = ? AND list_id = ?').get(id, partner, listId) as
      | ImportRow
      | undefined;
    return row && { id: row.id, partner: row.partner_id, listId: row.list_id, dataPosts: row.data_posts };
  }

  /** Counts one more data post; returns its number (1 for the first). */
  async nextPost(id: string): Promise<number> {
    return this.sql.get('UPDATE api_imports SET data_posts = data_posts + 1 WHERE id = ? RETURNING data_posts').pluck().get(id) as number;
  }
}
