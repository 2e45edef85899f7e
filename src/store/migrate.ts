/**
 * Numbered schema migrations tracked in `PRAGMA user_version`. Each runs in its own transaction;
 * a database written by a newer posdrop is refused rather than guessed at.
 */
import type Database from 'better-sqlite3';
import { PosdropError } from '../core/errors.js';
import { MIGRATIONS } from './migrations/index.js';

export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
  /**
   * The step rebuilds a table other tables refer to (SQLite cannot drop a constraint in place):
   * it runs with foreign keys off, as SQLite's procedure for such changes says, and every key is
   * checked before it commits.
   */
  readonly rebuildsTables?: boolean;
}

export function migrate(db: Database.Database, migrations: readonly Migration[] = MIGRATIONS): number {
  const latest = migrations.at(-1)?.version ?? 0;
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > latest) {
    throw new PosdropError(
      'database_too_new',
      `the database is at schema version ${current}, newer than this posdrop knows (${latest}); upgrade posdrop`,
    );
  }
  for (const migration of migrations) {
    if (migration.version <= current) continue;
    if (migration.rebuildsTables) withoutForeignKeys(db, () => step(db, migration));
    else step(db, migration);
  }
  return latest;
}

/** The schema version of `db` and the latest this posdrop knows, migrating nothing. */
export function sqliteSchema(db: Database.Database, migrations: readonly Migration[] = MIGRATIONS): { current: number; latest: number } {
  return { current: db.pragma('user_version', { simple: true }) as number, latest: migrations.at(-1)?.version ?? 0 };
}

function step(db: Database.Database, migration: Migration): void {
  db.transaction(() => {
    db.exec(migration.sql);
    if (migration.rebuildsTables) {
      const broken = db.pragma('foreign_key_check') as unknown[];
      if (broken.length > 0) throw new Error(`migration ${migration.version} (${migration.name}) would break ${broken.length} foreign keys`);
    }
    db.pragma(`user_version = ${migration.version}`);
  }).immediate();
}

/** `foreign_keys` cannot change inside a transaction: off around it, then as it was. */
function withoutForeignKeys(db: Database.Database, work: () => void): void {
  const enforced = db.pragma('foreign_keys', { simple: true }) as number;
  db.pragma('foreign_keys = OFF');
  try {
    work();
  } finally {
    db.pragma(`foreign_keys = ${enforced ? 'ON' : 'OFF'}`);
  }
}
