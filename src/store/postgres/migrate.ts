/**
 * PostgreSQL schema migrations, numbered as SQLite's. The version lives in `schema_version` (one
 * row per step applied), PostgreSQL's stand-in for `PRAGMA user_version`. Each step runs in its
 * own transaction with its row, under an advisory lock, so nodes starting together apply it once;
 * a database written by a newer posdrop is refused rather than guessed at.
 */
import type pg from 'pg';
import { PosdropError } from '../../core/errors.js';
import { MIGRATIONS } from './migrations/index.js';

export interface PostgresMigration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

/** Any constant of posdrop's own: every node takes the same lock, nothing else takes it. */
const MIGRATION_LOCK = 0x706f7364; // 'posd'

const CREATE_VERSION_TABLE = `
CREATE TABLE IF NOT EXISTS schema_version (
  version    bigint PRIMARY KEY,
  name       text NOT NULL,
  applied_at timestamptz NOT NULL DEFAULT now()
)`;

/** The schema version of the database `client` is connected to (0 when empty). */
export async function schemaVersion(client: pg.ClientBase): Promise<number> {
  // Two statements: PostgreSQL resolves every table a statement names before it runs any of it.
  const exists = await client.query<{ found: boolean }>("SELECT to_regclass('schema_version') IS NOT NULL AS found");
  if (!exists.rows[0]?.found) return 0;
  const { rows } = await client.query<{ version: string | number | null }>('SELECT max(version) AS version FROM schema_version');
  return Number(rows[0]?.version ?? 0);
}

/** Brings the database up to the last of `migrations`; returns that version. */
export async function migratePostgres(client: pg.ClientBase, migrations: readonly PostgresMigration[] = MIGRATIONS): Promise<number> {
  const latest = migrations.at(-1)?.version ?? 0;
  refuseNewer(await schemaVersion(client), latest);
  for (const migration of migrations) {
    await client.query('BEGIN');
    try {
      await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
      await client.query(CREATE_VERSION_TABLE);
      // Read again under the lock: another node may have applied it, or a newer posdrop run since.
      const current = await schemaVersion(client);
      refuseNewer(current, latest);
      if (migration.version > current) {
        await client.query(migration.sql);
        await client.query('INSERT INTO schema_version (version, name) VALUES ($1, $2)', [migration.version, migration.name]);
      }
      await client.query('COMMIT');
    } catch (err) {
      await client.query('ROLLBACK');
      if (err instanceof PosdropError) throw err;
      throw new PosdropError('migration_failed', `migration ${migration.version} (${migration.name}) failed: ${(err as Error).message}`, { cause: err });
    }
  }
  return latest;
}

function refuseNewer(current: number, latest: number): void {
  if (current > latest) {
    throw new PosdropError(
      'database_too_new',
      `the database is at schema version ${current}, newer than this posdrop knows (${latest}); upgrade posdrop`,
    );
  }
}
