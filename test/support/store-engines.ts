/**
 * The two engines a store contract test runs on: a migrated in-memory SQLite database always, and
 * a fresh database on a throwaway PostgreSQL wherever a server can be started. A suite calls
 * `storeEngines(name)` once at its top; each case opens a database of its own.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll } from 'vitest';
import type { Db } from '../../src/store/database.js';
import { migrate } from '../../src/store/migrate.js';
import { openPostgres, type PgPool } from '../../src/store/postgres/database.js';
import { havePostgres, startPostgres, type PostgresServer } from './postgres.js';

/** A migrated database of one engine. */
export type OpenedEngine =
  | { readonly engine: 'sqlite'; readonly db: Db; exec(sql: string): Promise<void>; rows(sql: string): Promise<unknown[]>; close(): Promise<void> }
  | { readonly engine: 'postgres'; readonly pool: PgPool; exec(sql: string): Promise<void>; rows(sql: string): Promise<unknown[]>; close(): Promise<void> };

/** [name, skip, open]: for `describe.each`. */
export type EngineCase = [string, boolean, (setup?: readonly string[], options?: { onFile?: boolean }) => Promise<OpenedEngine>];

/** The engines of a suite, with the PostgreSQL server started before and stopped after it. */
export function storeEngines(suite: string): EngineCase[] {
  const noPostgres = !havePostgres(suite);
  let server: PostgresServer | undefined;
  let databases = 0;
  beforeAll(async () => {
    if (!noPostgres) server = await startPostgres();
  });
  afterAll(() => server?.stop());
  const prefix = suite.replace(/[^a-z0-9]+/gi, '_').toLowerCase();
  return [
    [
      'SQLite',
      false,
      async (setup = [], options = {}) => {
        // On a file when a test needs a second connection beside this one (the CLI's, say).
        const folder = options.onFile ? mkdtempSync(path.join(tmpdir(), 'posdrop-store-')) : undefined;
        const db = new Database(folder ? path.join(folder, 'posdrop.db') : ':memory:');
        db.pragma('foreign_keys = ON');
        migrate(db);
        for (const sql of setup) db.exec(sql);
        return {
          engine: 'sqlite',
          db,
          async exec(sql) {
            db.exec(sql);
          },
          async rows(sql) {
            return db.prepare(sql).all();
          },
          async close() {
            db.close();
            if (folder) rmSync(folder, { recursive: true, force: true });
          },
        };
      },
    ],
    [
      'PostgreSQL',
      noPostgres,
      async (setup = []) => {
        if (!server) throw new Error('no PostgreSQL server');
        const pool = await openPostgres(await server.createDatabase(`${prefix}_${++databases}`), { max: 4 });
        for (const sql of setup) await pool.query(sql);
        return {
          engine: 'postgres',
          pool,
          async exec(sql) {
            await pool.query(sql);
          },
          async rows(sql) {
            return (await pool.query(sql)).rows;
          },
          async close() {
            await pool.end();
          },
        };
      },
    ],
  ];
}
