/** Carma imports on PostgreSQL: a data post's number is counted in one statement, so two nodes never hand out the same. */
import type pg from 'pg';
import type { ApiImport, ApiImports, ImportRow } from '../api-imports.js';

export class PostgresApiImportStore implements ApiImports {
  constructor(
    private readonly db: pg.Pool | pg.ClientBase,
    private readonly now: () => Date,
  ) {}

  async open(entry: { id: string; partner: string; listId: string; metadata: unknown }): Promise<void> {
    await this.db.query('INSERT INTO api_imports (id, partner_id, list_id, metadata, created_at) VALUES ($1, $2, $3, $4, $5)', [
      entry.id,
      entry.partner,
      entry.listId,
      JSON.stringify(entry.metadata ?? null),
      this.now().toISOString(),
    ]);
  }

  async find(partner: string, listId: string, id: string): Promise<ApiImport | undefined> {
    const { rows } = await this.db.query<ImportRow>('SELECT id, partner_id, list_id, data_posts FROM api_imports WHERE id = $1 AND partner_id = $2 AND list_id = $3', [
      id,
      partner,
      listId,
    ]);
    const row = rows[0];
    return row && { id: row.id, partner: row.partner_id, listId: row.list_id, dataPosts: row.data_posts };
  }

  async nextPost(id: string): Promise<number> {
    const { rows } = await this.db.query<{ data_posts: number }>('UPDATE api_imports SET data_posts = data_posts + 1 WHERE id = $1 RETURNING data_posts', [id]);
    return rows[0]!.data_posts;
  }
}
