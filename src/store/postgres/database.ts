/**
 * Opens a PostgreSQL store: a pool of connections to `store.url`, migrated to the latest schema.
 * `bigint` columns come back as JavaScript numbers, as SQLite's integers do: every id, count and
 * size posdrop keeps is far below 2^53, and one row shape serves both engines.
 */
import pg from 'pg';
import { migratePostgres, schemaVersion } from './migrate.js';

const INT8 = 20;

/** The type parsers of posdrop's connections (per pool, never pg's global ones). */
export const POSTGRES_TYPES = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === INT8 && format !== 'binary') return (value: string) => Number(value);
    return pg.types.getTypeParser(oid, format);
  },
} as pg.CustomTypesConfig;

export type PgPool = pg.Pool;

/** A pool on `url`, with the schema migrated; close it with `pool.end()`. */
export async function openPostgres(url: string, options: PoolOptions = {}): Promise<PgPool> {
  const pool = poolOn(url, options);
  try {
    const client = await pool.connect();
    try {
      await migratePostgres(client);
    } finally {
      client.release();
    }
    return pool;
  } catch (err) {
    await pool.end();
    throw err;
  }
}

/**
 * A pool on `url` with the schema as it stands (for the CLI, which never migrates), and that
 * schema's version; the first connection is made here, so an unreachable server throws at once.
 */
export async function connectPostgres(url: string, options: PoolOptions = {}): Promise<{ pool: PgPool; schema: number }> {
  const pool = poolOn(url, options);
  try {
    const client = await pool.connect();
    try {
      return { pool, schema: await schemaVersion(client) };
    } finally {
      client.release();
    }
  } catch (err) {
    await pool.end();
    throw err;
  }
}

export interface PoolOptions {
  /** Connections at most (default 10). */
  max?: number;
  /** How long a new connection may take before it fails; default: as long as the network takes. */
  connectTimeoutMs?: number;
}

function poolOn(url: string, options: PoolOptions): PgPool {
  const pool = new pg.Pool({ connectionString: url, types: POSTGRES_TYPES, max: options.max ?? 10, connectionTimeoutMillis: options.connectTimeoutMs ?? 0 });
  // An idle client's error (the server restarting) must not end the process; the next query says so.
  pool.on('error', () => undefined);
  return pool;
}
