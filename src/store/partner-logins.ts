/**
 * The partner_logins table: each partner's last successful login per way in. Async so that
 * callers are written for a store that answers over a network; SQLite answers at once.
 */
import type { Db } from './database.js';
import { Statements } from './statements.js';

/** The ways a partner logs in. */
export type LoginVia = 'sftp' | 'api';

/** A partner's last login by one way in. */
export interface PartnerLogin {
  partner: string;
  via: LoginVia;
  at: string;
  address: string;
}

/** Partners' last logins, whatever engine holds them (PostgreSQL: `postgres/partner-logins.ts`). */
export interface PartnerLoginStoreAsync {
  /** Records a login at `at`; an older time never overwrites a newer one. */
  record(login: PartnerLogin): Promise<void>;
  /** Every partner's last logins, by partner then way in. */
  all(): Promise<PartnerLogin[]>;
}

export class PartnerLoginStore implements PartnerLoginStoreAsync {
  private readonly sql: Statements;

  constructor(db: Db) {
    this.sql = new Statements(db);
  }

  /** Records a login at `at`; an older time never overwrites a newer one. */
  async record(login: PartnerLogin): Promise<void> {
    this.sql
      .get(
        `INSERT INTO partner_logins (partner_id, via, at, address) VALUES (@partner, @via, @at, @address)
         ON CONFLICT (partner_id, via) DO UPDATE SET at = excluded.at, address = excluded.address WHERE excluded.at >= partner_logins.at`,
      )
      .run(login);
  }

  /** Every partner's last logins, by partner then way in. */
  async all(): Promise<PartnerLogin[]> {
    return this.sql.get('SELECT partner_id AS partner, via, at, address FROM partner_logins ORDER BY partner_id, via').all() as PartnerLogin[];
  }
}
