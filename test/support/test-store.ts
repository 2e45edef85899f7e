/**
 * Which store the test daemons run on. By default the SQLite file of each data directory, as
 * always; with `TEST_STORE_ENGINE=postgres` (`npm run test:postgres`) each data directory gets a
 * fresh database of the run's one throwaway PostgreSQL (postgres-global-setup.ts), the same
 * database again whenever a daemon starts on that directory again.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';
import path from 'node:path';
import type { PublicKeyEntry } from '../../src/security/public-keys.js';
import { openDatabase } from '../../src/store/database.js';
import { PartnerStore, type NewPartner } from '../../src/store/partners.js';
import { openPostgres } from '../../src/store/postgres/database.js';
import { PostgresStore } from '../../src/store/store.js';

export type TestStoreEngine = 'sqlite' | 'postgres';

/** The engine of this run. */
export const TEST_STORE: TestStoreEngine = process.env.TEST_STORE_ENGINE === 'postgres' ? 'postgres' : 'sqlite';

const databases = new Map<string, Promise<string>>();

/** The `store.url` of the daemons on `dataDir`: empty on SQLite, its own database on PostgreSQL. */
export function testStoreUrl(dataDir: string): Promise<string> {
  if (TEST_STORE === 'sqlite') return Promise.resolve('');
  let url = databases.get(dataDir);
  if (!url) {
    url = createDatabase();
    databases.set(dataDir, url);
  }
  return url;
}

async function createDatabase(): Promise<string> {
  const admin = inject('postgresAdminUrl');
  if (!admin) throw new Error('TEST_STORE_ENGINE=postgres without the global setup that starts the server (run it with npm run test:postgres)');
  const name = `t_${process.pid}_${randomBytes(6).toString('hex')}`;
  const client = new pg.Client({ connectionString: admin });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE ${name}`);
  } finally {
    await client.end();
  }
  const url = new URL(admin);
  url.pathname = `/${name}`;
  return url.toString();
}

/**
 * Runs `work` on a store of its own on `url` (migrated on first use), for what a test writes
 * before any daemon runs or reads beside one; closed afterwards.
 */
export async function withPostgresStore<T>(url: string, work: (store: PostgresStore) => Promise<T>): Promise<T> {
  const pool = await openPostgres(url, { max: 2 });
  try {
    return await work(new PostgresStore(pool, () => new Date()));
  } finally {
    await pool.end();
  }
}

/** Writes a partner and its key into the store of `dataDir` before any daemon runs, on the run's engine. */
export async function addPartnerBeforeStart(dataDir: string, partner: NewPartner, key: PublicKeyEntry): Promise<void> {
  if (TEST_STORE === 'postgres') {
    await withPostgresStore(await testStoreUrl(dataDir), (store) =>
      store.transaction(async (tx) => {
        await tx.partners.add(partner);
        await tx.partners.addKey(partner.id, key);
      }),
    );
    return;
  }
  const db = openDatabase(path.join(dataDir, 'posdrop.db'));
  try {
    const partners = new PartnerStore(db, () => new Date());
    partners.add(partner);
    partners.addKey(partner.id, key);
  } finally {
    db.close();
  }
}
