/** The file id floor on PostgreSQL: ids at or below it are never handed out again (see step 12). */
import type pg from 'pg';
import type { FileIdFloorStore } from '../file-id-floor.js';

export class PostgresFileIdFloorStore implements FileIdFloorStore {
  constructor(private readonly db: pg.Pool | pg.ClientBase) {}

  async highest(): Promise<number> {
    const { rows } = await this.db.query<{ id: number }>(
      'SELECT greatest(coalesce((SELECT max(id) FROM files), 0), coalesce((SELECT file_id FROM file_id_floor WHERE id = 1), 0)) AS id',
    );
    return Number(rows[0]?.id ?? 0);
  }

  async raise(fileId: number): Promise<void> {
    await this.db.query(
      `INSERT INTO file_id_floor (id, file_id) VALUES (1, $1)
       ON CONFLICT (id) DO UPDATE SET file_id = greatest(file_id_floor.file_id, excluded.file_id)`,
      [fileId],
    );
  }
}
