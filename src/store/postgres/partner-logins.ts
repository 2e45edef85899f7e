/** Partners' last logins on PostgreSQL: whichever node a partner reached, one row per way in. */
import type pg from 'pg';
import type { PartnerLogin, PartnerLoginStoreAsync } from '../partner-logins.js';

export class PostgresPartnerLoginStore implements PartnerLoginStoreAsync {
  constructor(private readonly db: pg.Pool | pg.ClientBase) {}

  async record(login: PartnerLogin): Promise<void> {
    await this.db.query(
      `INSERT INTO partner_logins (partner_id, via, at, address) VALUES ($1, $2, $3, $4)
       ON CONFLICT (partner_id, via) DO UPDATE SET at = excluded.at, address = excluded.address WHERE excluded.at >= partner_logins.at`,
      [login.partner, login.via, login.at, login.address],
    );
  }

  async all(): Promise<PartnerLogin[]> {
    const { rows } = await this.db.query<PartnerLogin>('SELECT partner_id AS partner, via, at, address FROM partner_logins ORDER BY partner_id, via');
    return rows;
  }
}
