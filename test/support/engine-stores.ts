/**
 * Both engines as a format store's contract test needs them: a migrated `Store` (SQLite in memory,
 * or a fresh database on a throwaway PostgreSQL), partners and files to point at, and plain SQL
 * for reading rows back. One database per `open()` keeps the cases apart.
 */
import Database from 'better-sqlite3';
import { migrate } from '../../src/store/migrate.js';
import { openPostgres } from '../../src/store/postgres/database.js';
import { PostgresStore, SqliteStore, type Store } from '../../src/store/store.js';
import { WriteLock } from '../../src/store/write-lock.js';
import { havePostgres, startPostgres, type PostgresServer } from './postgres.js';

export interface EngineUnderTest {
  store: Store;
  /** Rows of a query written with `?` placeholders (turned into `$n` on PostgreSQL). */
  rows<T = Record<string, unknown>>(sql: string, ...params: unknown[]): Promise<T[]>;
  close(): Promise<void>;
}

const AT = '2026-01-01T00:00:00.000Z';
/** Partners `acme` and `zeta`, and files 1–3 of `acme`. */
const SETUP = [
  `INSERT INTO partners (id, client_id, created_at, updated_at) VALUES ('acme', 'acme', '${AT}', '${AT}'), ('zeta', 'zeta', '${AT}', '${AT}')`,
  ...[1, 2, 3].map(
    (id) =>
      `INSERT INTO files (id, partner_id, name, sha256, size, state, received_at, state_changed_at) VALUES (${id}, 'acme', 'f${id}.csv', '${String(id).repeat(64)}', 1, 'processing', '${AT}', '${AT}')`,
  ),
];

const clock = () => new Date(AT);

function sqlite(): EngineUnderTest {
  const db = new Database(':memory:');
  db.pragma('foreign_keys = ON');
  migrate(db);
  for (const sql of SETUP) db.exec(sql);
  return {
    store: new SqliteStore(db, new WriteLock(db), clock),
    async rows<T>(sql: string, ...params: unknown[]) {
      return db.prepare(sql).all(...params) as T[];
    },
    async close() {
      db.close();
    },
  };
}

let server: PostgresServer | undefined;
let databases = 0;

async function postgres(prefix: string): Promise<EngineUnderTest> {
  server ??= await startPostgres();
  const pool = await openPostgres(await server.createDatabase(`${prefix}_${++databases}`), { max: 4 });
  for (const sql of SETUP) await pool.query(sql);
  return {
    store: new PostgresStore(pool, clock),
    async rows<T>(sql: string, ...params: unknown[]) {
      let n = 0;
      const result = await pool.query(sql.replace(/\?/g, () => `$${++n}`), params);
      return result.rows as T[];
    },
    async close() {
      await pool.end();
    },
  };
}

/** `[name, open, skip]` for `describe.each`: SQLite always, PostgreSQL where a server can start. */
export function enginesFor(suite: string): [string, () => Promise<EngineUnderTest>, boolean][] {
  const prefix = suite.replace(/\W+/g, '_').toLowerCase();
  return [
    ['SQLite', async () => sqlite(), false],
    ['PostgreSQL', () => postgres(prefix), !havePostgres(suite)],
  ];
}

/** Stops the server the suite started, if it did (for `afterAll`). */
export function stopEngines(): void {
  server?.stop();
  server = undefined;
}
