/**
 * Raw SQL on a data directory's store, on the run's engine: for a test that looks underneath the
 * seams at a format's rows. The statement is written once with `?` placeholders; on PostgreSQL
 * they become `$1, $2, …`. Each call opens a connection of its own (read-only on SQLite), so it
 * sees what is committed, whether a daemon runs on the directory or not.
 */
import path from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { describe, it } from 'vitest';
import { POSTGRES_TYPES } from '../../src/store/postgres/database.js';
import { TEST_STORE, testStoreUrl } from './test-store.js';

/** Where a store is: its data directory, and its `store.url` (empty for the SQLite file there). */
export interface StoreAt {
  readonly dataDir: string;
  readonly storeUrl: string;
}

/** `at` a data directory alone: the store the test daemons on it get (test-store.ts). */
export function storeRows<T = Record<string, unknown>>(at: StoreAt | string, sql: string, ...params: unknown[]): Promise<T[]> {
  return query<T>(at, sql, params, 'read');
}

/** Runs one write, as a stop between two steps leaves the store (no daemon is writing to it). */
export async function storeWrite(at: StoreAt | string, sql: string, ...params: unknown[]): Promise<void> {
  await query(at, sql, params, 'write');
}

async function query<T>(at: StoreAt | string, sql: string, params: unknown[], mode: 'read' | 'write'): Promise<T[]> {
  if (typeof at === 'string') at = { dataDir: at, storeUrl: await testStoreUrl(at) };
  if (!at.storeUrl) {
    const db = new Database(path.join(at.dataDir, 'posdrop.db'), { readonly: mode === 'read' });
    try {
      const statement = db.prepare(sql);
      if (mode === 'read') return statement.all(...params) as T[];
      statement.run(...params);
      return [];
    } finally {
      db.close();
    }
  }
  const client = new pg.Client({ connectionString: at.storeUrl, types: POSTGRES_TYPES });
  await client.connect();
  try {
    let n = 0;
    const result = await client.query(sql.replace(/\?/g, () => `$${++n}`), params);
    return result.rows as T[];
  } finally {
    await client.end();
  }
}

/** The first column of the first row (undefined when there is none). */
export async function storeValue<T = unknown>(at: StoreAt | string, sql: string, ...params: unknown[]): Promise<T | undefined> {
  const [row] = await storeRows(at, sql, ...params);
  return row ? (Object.values(row)[0] as T) : undefined;
}

/**
 * `describe` for what only the SQLite file has (its pragmas, its lock, copying the file), and a
 * skip that says why on a PostgreSQL run.
 */
export function sqliteOnly(what: string) {
  const onPostgres = TEST_STORE === 'postgres';
  if (onPostgres) console.log(`skipped on PostgreSQL: ${what}`);
  return describe.skipIf(onPostgres);
}

/** `it` for one test of what only the SQLite file has, with the same skip. */
export function sqliteOnlyTest(what: string) {
  const onPostgres = TEST_STORE === 'postgres';
  if (onPostgres) console.log(`skipped on PostgreSQL: ${what}`);
  return it.skipIf(onPostgres);
}
