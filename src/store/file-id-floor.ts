/** The `file_id_floor` row: ids at or below it are never handed out again (see migration 12). */
import type { Db } from './database.js';

/** The highest file id this database knows was handed out: its rows' and its floor's. */
export function highestFileId(db: Db): number {
  const row = db
    .prepare('SELECT max(coalesce((SELECT max(id) FROM files), 0), coalesce((SELECT file_id FROM file_id_floor WHERE id = 1), 0)) AS id')
    .get() as { id: number };
  return row.id;
}

/** Makes sure no new file gets an id at or below `fileId`; never lowers the floor. */
export function raiseFileIdFloor(db: Db, fileId: number): void {
  db.prepare(
    `INSERT INTO file_id_floor (id, file_id) VALUES (1, ?)
     ON CONFLICT (id) DO UPDATE SET file_id = max(file_id, excluded.file_id)`,
  ).run(fileId);
}

/** The id expression for a new `files` row: above every row and above the floor. */
export const NEXT_FILE_ID = `(SELECT max(coalesce((SELECT max(id) FROM files), 0), coalesce((SELECT file_id FROM file_id_floor WHERE id = 1), 0)) + 1)`;

/** The file id floor, whatever engine holds it (PostgreSQL: `postgres/file-id-floor.ts`). */
export interface FileIdFloorStore {
  /** The highest file id this database knows was handed out: its rows' and its floor's. */
  highest(): Promise<number>;
  /** Makes sure no new file gets an id at or below `fileId`; never lowers the floor. */
  raise(fileId: number): Promise<void>;
}

export class SqliteFileIdFloorStore implements FileIdFloorStore {
  constructor(private readonly db: Db) {}

  async highest(): Promise<number> {
    return highestFileId(this.db);
  }

  async raise(fileId: number): Promise<void> {
    raiseFileIdFloor(this.db, fileId);
  }
}
