/**
 * Partners on PostgreSQL, answering `PartnerStoreAsync` as the SQLite store does (same columns,
 * same row mappers). Given a pool each call is its own statement; given a client it runs in the
 * caller's transaction. A key's removal and its credentials version bump are one statement, so
 * no node sees the key gone and the version unchanged.
 */
import type pg from 'pg';
import type { PublicKeyEntry } from '../../security/public-keys.js';
import type { CredentialState, PartnerStoreAsync } from '../partner-store.js';
import {
  patchColumns,
  toKey,
  toPartner,
  toPartnerWithKeys,
  type KeyRow,
  type NewPartner,
  type Partner,
  type PartnerKey,
  type PartnerKeysRow,
  type PartnerPatch,
  type PartnerRow,
  type PartnerWithKeys,
} from '../partners.js';

export class PostgresPartnerStore implements PartnerStoreAsync {
  constructor(
    private readonly db: pg.Pool | pg.ClientBase,
    private readonly now: () => Date,
  ) {}

  async get(id: string): Promise<Partner | undefined> {
    const { rows } = await this.db.query<PartnerRow>('SELECT * FROM partners WHERE id = $1', [id]);
    return rows[0] && toPartner(rows[0]);
  }

  async withKeys(id: string): Promise<PartnerWithKeys | undefined> {
    const { rows } = await this.db.query<PartnerKeysRow>(
      `SELECT p.*, coalesce((SELECT json_agg(json_build_object('id', k.id, 'algo', k.algo, 'public_key', k.public_key, 'comment', k.comment,
                                                               'fingerprint', k.fingerprint, 'added_at', k.added_at) ORDER BY k.id)
                               FROM partner_keys k WHERE k.partner_id = p.id), '[]')::text AS keys_json
         FROM partners p WHERE p.id = $1`,
      [id],
    );
    return rows[0] && toPartnerWithKeys(rows[0]);
  }

  async list(): Promise<Partner[]> {
    const { rows } = await this.db.query<PartnerRow>('SELECT * FROM partners ORDER BY id');
    return rows.map(toPartner);
  }

  async add(partner: NewPartner): Promise<Partner> {
    const at = this.now().toISOString();
    const { rows } = await this.db.query<PartnerRow>(
      `INSERT INTO partners (id, client_id, channels, formats, password_hash, max_upload_bytes, options, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) RETURNING *`,
      [
        partner.id,
        partner.clientId,
        JSON.stringify(partner.channels),
        JSON.stringify(partner.formats),
        partner.passwordHash ?? null,
        partner.maxUploadBytes ?? null,
        JSON.stringify(partner.options ?? {}),
        at,
      ],
    );
    return toPartner(rows[0] as PartnerRow);
  }

  async update(id: string, patch: PartnerPatch): Promise<boolean> {
    const columns = patchColumns(patch, this.now());
    const names = Object.keys(columns);
    const sets = names.map((name, i) => `${name} = $${i + 2}`);
    // Disabling and a new password take access away: live sessions of the old one must end.
    if (patch.enabled === false || patch.passwordHash !== undefined) sets.push('credentials_version = credentials_version + 1');
    const result = await this.db.query(`UPDATE partners SET ${sets.join(', ')} WHERE id = $1`, [id, ...names.map((name) => columns[name])]);
    return (result.rowCount ?? 0) > 0;
  }

  async keys(partnerId: string): Promise<PartnerKey[]> {
    const { rows } = await this.db.query<KeyRow>(
      'SELECT id, algo, public_key, comment, fingerprint, added_at FROM partner_keys WHERE partner_id = $1 ORDER BY id',
      [partnerId],
    );
    return rows.map(toKey);
  }

  async addKey(partnerId: string, key: PublicKeyEntry): Promise<boolean> {
    const result = await this.db.query(
      `INSERT INTO partner_keys (partner_id, algo, public_key, comment, fingerprint, added_at) VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (partner_id, fingerprint) DO NOTHING`,
      [partnerId, key.algo, key.publicKey, key.comment, key.fingerprint, this.now().toISOString()],
    );
    return (result.rowCount ?? 0) > 0;
  }

  async removeKey(partnerId: string, fingerprintOrId: string): Promise<boolean> {
    // A session logged in with the removed key must not outlive it: removal and bump are one statement
    // (PostgreSQL runs every data-modifying WITH part, read or not).
    const { rows } = await this.db.query<{ removed: number }>(
      `WITH removed AS (DELETE FROM partner_keys WHERE partner_id = $1 AND (fingerprint = $2 OR id::text = $2) RETURNING 1),
            bump AS (UPDATE partners SET credentials_version = credentials_version + 1, updated_at = $3
                        WHERE id = $1 AND EXISTS (SELECT 1 FROM removed))
       SELECT count(*) AS removed FROM removed`,
      [partnerId, fingerprintOrId, this.now().toISOString()],
    );
    return Number(rows[0]?.removed ?? 0) > 0;
  }

  async credentialStates(): Promise<CredentialState[]> {
    const { rows } = await this.db.query<{ id: string; version: number; enabled: number }>(
      'SELECT id, credentials_version AS version, enabled FROM partners ORDER BY id',
    );
    return rows.map((row) => ({ id: row.id, version: row.version, enabled: row.enabled === 1 }));
  }
}
