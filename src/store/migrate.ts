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
    db.transaction(() => {
      db.exec(migration.sql);
      db.pragma(`user_version = ${migration.version}`);
    }).immediate();
  }
  return latest;
}
