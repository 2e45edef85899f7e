import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { havePostgres, startPostgres, type PostgresServer } from '../../../test/support/postgres.js';
import { migrate } from '../migrate.js';
import { MIGRATIONS as SQLITE_MIGRATIONS } from '../migrations/index.js';
import { migratePostgres, schemaVersion } from './migrate.js';
import { MIGRATIONS } from './migrations/index.js';

const LATEST = SQLITE_MIGRATIONS.at(-1)!.version;
const NEWER = LATEST + 1;

interface Column {
  table: string;
  column: string;
  notNull: boolean;
}

/** Tables and columns of a SQLite database in declaration order; a primary key is never null. */
function sqliteColumns(db: Database.Database): Column[] {
  const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").pluck().all() as string[];
  return tables.flatMap((table) =>
    (db.pragma(`table_info(${table})`) as { name: string; notnull: number; pk: number }[]).map((c) => ({ table, column: c.name, notNull: c.notnull === 1 || c.pk > 0 })),
  );
}

function sqliteIndexes(db: Database.Database): string[] {
  return db.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL ORDER BY name").pluck().all() as string[];
}

async function postgresColumns(client: pg.ClientBase): Promise<Column[]> {
  const { rows } = await client.query<{ table: string; column: string; nullable: string }>(
    `SELECT table_name AS table, column_name AS column, is_nullable AS nullable FROM information_schema.columns
      WHERE table_schema = 'public' AND table_name <> 'schema_version' ORDER BY table_name COLLATE "C", ordinal_position`,
  );
  return rows.map((row) => ({ table: row.table, column: row.column, notNull: row.nullable === 'NO' }));
}

/** Indexes created by name, not those behind a primary key or UNIQUE constraint. */
async function postgresIndexes(client: pg.ClientBase): Promise<string[]> {
  const { rows } = await client.query<{ name: string }>(
    `SELECT indexname AS name FROM pg_indexes WHERE schemaname = 'public'
        AND indexname NOT IN (SELECT conname FROM pg_constraint) ORDER BY indexname COLLATE "C"`,
  );
  return rows.map((row) => row.name);
}

describe.skipIf(!havePostgres('store migrations'))('PostgreSQL migrations', () => {
  let server: PostgresServer;
  let count = 0;
  beforeAll(async () => {
    server = await startPostgres();
  });
  afterAll(() => server?.stop());

  async function freshClient(): Promise<pg.Client> {
    const client = new pg.Client({ connectionString: await server.createDatabase(`migrate_${++count}`) });
    await client.connect();
    return client;
  }

  it('are numbered as the SQLite ones, and from empty to latest give the same tables, columns and indexes', async () => {
    expect(MIGRATIONS.map((m) => [m.version, m.name])).toEqual(SQLITE_MIGRATIONS.map((m) => [m.version, m.name]));
    const sqlite = new Database(':memory:');
    expect(migrate(sqlite)).toBe(LATEST);
    const client = await freshClient();
    try {
      expect(await migratePostgres(client)).toBe(LATEST);
      expect(await schemaVersion(client)).toBe(LATEST);
      const expected = sqliteColumns(sqlite);
      expect(expected.length).toBeGreaterThan(150);
      expect(await postgresColumns(client)).toEqual(expected);
      expect(await postgresIndexes(client)).toEqual(sqliteIndexes(sqlite));
    } finally {
      sqlite.close();
      await client.end();
    }
  });

  it('apply nothing twice, and refuse a database from a newer posdrop on both engines', async () => {
    const client = await freshClient();
    try {
      await migratePostgres(client);
      expect(await migratePostgres(client)).toBe(LATEST);
      expect((await client.query('SELECT count(*)::int AS n FROM schema_version')).rows).toEqual([{ n: LATEST }]);
      await client.query("INSERT INTO schema_version (version, name) VALUES ($1, 'from-the-future')", [NEWER]);
      await expect(migratePostgres(client)).rejects.toMatchObject({
        code: 'database_too_new',
        message: `the database is at schema version ${NEWER}, newer than this posdrop knows (${LATEST}); upgrade posdrop`,
      });
    } finally {
      await client.end();
    }
    const sqlite = new Database(':memory:');
    sqlite.pragma(`user_version = ${NEWER}`);
    expect(() => migrate(sqlite)).toThrow(`the database is at schema version ${NEWER}, newer than this posdrop knows (${LATEST}); upgrade posdrop`);
    sqlite.close();
  });

  it('run each step in a transaction: a step that fails leaves nothing of itself and the version where it was', async () => {
    const client = await freshClient();
    try {
      const broken = { version: NEWER, name: 'broken', sql: 'CREATE TABLE half_done (n bigint); SELECT 1 / 0;' };
      await expect(migratePostgres(client, [...MIGRATIONS, broken])).rejects.toMatchObject({
        code: 'migration_failed',
        message: `migration ${NEWER} (broken) failed: division by zero`,
      });
      expect(await schemaVersion(client)).toBe(LATEST);
      expect((await client.query("SELECT to_regclass('half_done') AS t")).rows).toEqual([{ t: null }]);
    } finally {
      await client.end();
    }
  });

  it('apply each step once when two nodes start on one empty database together', async () => {
    const url = await server.createDatabase(`migrate_${++count}`);
    const clients = [new pg.Client({ connectionString: url }), new pg.Client({ connectionString: url })];
    await Promise.all(clients.map((client) => client.connect()));
    try {
      expect(await Promise.all(clients.map((client) => migratePostgres(client)))).toEqual([LATEST, LATEST]);
      const { rows } = await clients[0]!.query('SELECT version::int AS version FROM schema_version ORDER BY version');
      expect(rows.map((row) => row.version)).toEqual(MIGRATIONS.map((m) => m.version));
    } finally {
      await Promise.all(clients.map((client) => client.end()));
    }
  });

  it('carry data through the steps that move it, as SQLite does (names accepted once, originals that left the inbox)', async () => {
    const client = await freshClient();
    const AT = '2026-01-02T03:04:05.000Z';
    try {
      await migratePostgres(client, MIGRATIONS.filter((m) => m.version < 7));
      await client.query("INSERT INTO pbj_names (partner_id, name, file_id) VALUES ('jumbo', 'direct-mail_20-04-2020_1.csv', 3)");
      await client.query("INSERT INTO partners (id, client_id, created_at, updated_at) VALUES ('p', 'p', $1, $1)", [AT]);
      for (const [id, name, state] of [[1, 'done.csv', 'processed'], [2, 'waiting.json', 'held']] as const) {
        await client.query("INSERT INTO files (id, partner_id, name, sha256, size, state, received_at, state_changed_at) VALUES ($1, 'p', $2, 'h', 1, $3, $4, $4)", [id, name, state, AT]);
      }
      await migratePostgres(client);
      expect((await client.query('SELECT partner_id, format, name, file_id::int FROM accepted_names')).rows).toEqual([
        { partner_id: 'jumbo', format: 'pbj-offline-sales', name: 'direct-mail_20-04-2020_1.csv', file_id: 3 },
      ]);
      expect((await client.query('SELECT id::int, left_inbox_at FROM files ORDER BY id')).rows).toEqual([
        { id: 1, left_inbox_at: AT },
        { id: 2, left_inbox_at: null },
      ]);
      const arrive = "INSERT INTO files (id, partner_id, name, sha256, size, state, received_at, state_changed_at) VALUES ($1, 'p', $2, 'h', 1, 'received', $3, $3)";
      await client.query(arrive, [3, 'done.csv', AT]);
      await expect(client.query(arrive, [4, 'done.csv', AT])).rejects.toThrow(/files_in_inbox/);
      await expect(client.query(arrive, [4, 'waiting.json', AT])).rejects.toThrow(/files_in_inbox/);
    } finally {
      await client.end();
    }
  });
});
