/**
 * Read-only queries on the store a run's daemons write, whichever engine it is: the SQLite file in
 * the data directory, or the PostgreSQL database of `store.url`. The torture runs' and benches' checks are
 * written once, with `?` parameters and SQL both engines read alike.
 */
import path from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { POSTGRES_TYPES } from '../../src/store/postgres/database.js';

export interface LedgerReader {
  /** The rows of `sql`, its `?` bound to `params` in order. */
  all<T>(sql: string, params?: unknown[]): Promise<T[]>;
  /** The first column of the first row. */
  value<T>(sql: string, params?: unknown[]): Promise<T>;
  close(): Promise<void>;
}

/** Where a run's store is: `url` empty means the SQLite file of `dataDir`. */
export interface StoreTarget {
  dataDir: string;
  url: string;
}

/** Opens a reader on `target`; each query on SQLite opens its own read-only connection. */
export function openLedgerReader(target: StoreTarget): LedgerReader {
  return target.url ? postgresReader(target.url) : sqliteReader(path.join(target.dataDir, 'posdrop.db'));
}

function sqliteReader(file: string): LedgerReader {
  // A connection per query: the daemon, killed and restarted, writes beside it, and a long-lived
  // reader would pin an old snapshot of the WAL.
  const run = <T>(work: (db: Database.Database) => T): T => {
    const db = new Database(file, { readonly: true });
    try {
      db.pragma('busy_timeout = 5000');
      return work(db);
    } finally {
      db.close();
    }
  };
  return {
    all: async <T>(sql: string, params: unknown[] = []) => run((db) => db.prepare(sql).all(...params) as T[]),
    value: async <T>(sql: string, params: unknown[] = []) => run((db) => db.prepare(sql).pluck().get(...params) as T),
    close: async () => undefined,
  };
}

function postgresReader(url: string): LedgerReader {
  const pool = new pg.Pool({ connectionString: url, types: POSTGRES_TYPES, max: 2 });
  // The server restarting under a run must not end the harness: the next query says so.
  pool.on('error', () => undefined);
  const numbered = (sql: string): string => {
    let n = 0;
    return sql.replace(/\?/g, () => `$${(n += 1)}`);
  };
  const all = async <T>(sql: string, params: unknown[] = []): Promise<T[]> => (await pool.query(numbered(sql), params)).rows as T[];
  return {
    all,
    value: async <T>(sql: string, params: unknown[] = []) => {
      const [row] = await all<Record<string, unknown>>(sql, params);
      return (row ? Object.values(row)[0] : undefined) as T;
    },
    close: () => pool.end(),
  };
}
