/** The defender's bans on PostgreSQL: one table every node reads, so a ban on one holds on all. */
import type pg from 'pg';
import type { BanRecord } from '../../core/bans.js';
import { toBan, type BanRow, type BanStore } from '../bans.js';
import { inTransaction } from './transaction.js';

export class PostgresBanStore implements BanStore {
  constructor(private readonly db: pg.Pool | pg.ClientBase) {}

  async active(now: Date): Promise<BanRecord[]> {
    const { rows } = await this.db.query<BanRow>('SELECT * FROM bans WHERE until > $1 ORDER BY scope, subject', [now.toISOString()]);
    return rows.map(toBan);
  }

  async save(ban: BanRecord): Promise<void> {
    await inTransaction(this.db, async (client) => {
      await client.query('DELETE FROM bans WHERE until <= $1', [ban.bannedAt.toISOString()]);
      await client.query(
        `INSERT INTO bans (scope, subject, cause, failures, strikes, banned_at, until) VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (scope, subject) DO UPDATE SET cause = excluded.cause, failures = excluded.failures, strikes = excluded.strikes,
                                                    banned_at = excluded.banned_at, until = excluded.until`,
        [ban.scope, ban.subject, ban.cause, ban.failures, ban.strikes, ban.bannedAt.toISOString(), ban.until.toISOString()],
      );
    });
  }
}
