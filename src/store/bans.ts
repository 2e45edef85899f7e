/**
 * The bans table. Written through the write lock (a file's transaction may be open on the
 * daemon's connection) and awaited, so that another engine can take its place.
 */
import type { BanCause, BanRecord, BanScope } from '../core/bans.js';
import type { Db } from './database.js';
import { Statements } from './statements.js';
import type { WriteLock } from './write-lock.js';

/** A `bans` row as both engines return it. */
export interface BanRow {
  scope: BanScope;
  subject: string;
  cause: BanCause;
  failures: number;
  strikes: number;
  banned_at: string;
  until: string;
}

/** The row mapper of `bans`, one for both engines. */
export function toBan(row: BanRow): BanRecord {
  return {
    scope: row.scope,
    subject: row.subject,
    cause: row.cause,
    failures: row.failures,
    strikes: row.strikes,
    bannedAt: new Date(row.banned_at),
    until: new Date(row.until),
  };
}

/** The defender's bans, whatever engine holds them (PostgreSQL: `postgres/bans.ts`); every node reads the same. */
export interface BanStore {
  /** Bans still running at `now`, by scope and subject. */
  active(now: Date): Promise<BanRecord[]>;
  /** Keeps `ban` (replacing an earlier one of its subject) and forgets bans that have ended, in a transaction of its own. */
  save(ban: BanRecord): Promise<void>;
}

export class BanTable implements BanStore {
  private readonly sql: Statements;

  constructor(
    db: Db,
    private readonly lock: WriteLock,
  ) {
    this.sql = new Statements(db);
  }

  /** Bans still running at `now`. */
  async active(now: Date): Promise<BanRecord[]> {
    const rows = this.sql.get('SELECT * FROM bans WHERE until > ? ORDER BY scope, subject').all(now.toISOString()) as BanRow[];
    return rows.map(toBan);
  }

  /** Keeps `ban` (replacing an earlier one of its subject) and forgets bans that have ended. */
  async save(ban: BanRecord): Promise<void> {
    await this.lock.transaction(() => {
      this.sql.get('DELETE FROM bans WHERE until <= ?').run(ban.bannedAt.toISOString());
      this.sql
        .get('INSERT OR REPLACE INTO bans (scope, subject, cause, failures, strikes, banned_at, until) VALUES (?, ?, ?, ?, ?, ?, ?)')
        .run(ban.scope, ban.subject, ban.cause, ban.failures, ban.strikes, ban.bannedAt.toISOString(), ban.until.toISOString());
    });
  }
}
