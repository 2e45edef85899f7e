/** The partners table and their public keys. Read on every login, so changes need no restart. */
import type { FormatId } from '../formats/types.js';
import type { PublicKeyEntry } from '../security/public-keys.js';
import type { Db } from './database.js';
import { Statements } from './statements.js';

export interface Partner {
  id: string;
  clientId: string;
  channels: string[];
  formats: FormatId[];
  enabled: boolean;
  passwordHash: string | null;
  /** The scrypt hash of its partner API key; null without one. */
  apiKeyHash: string | null;
  maxUploadBytes: number | null;
  options: Record<string, unknown>;
  /** Raised whenever access is taken away: sessions logged in with an older one are ended. */
  credentialsVersion: number;
  createdAt: string;
  updatedAt: string;
}

export interface NewPartner {
  id: string;
  clientId: string;
  channels: string[];
  formats: FormatId[];
  passwordHash?: string | null;
  maxUploadBytes?: number | null;
  options?: Record<string, unknown>;
}

/** What `update` may change; `apiKeyHash: null` revokes the API key. */
export type PartnerPatch = Partial<Omit<NewPartner, 'id'>> & { enabled?: boolean; apiKeyHash?: string | null };

export interface PartnerKey extends PublicKeyEntry {
  id: number;
  addedAt: string;
}

/** A `partners` row as both engines return it. */
export interface PartnerRow {
  id: string;
  client_id: string;
  channels: string;
  formats: string;
  enabled: number;
  password_hash: string | null;
  api_key_hash: string | null;
  max_upload_bytes: number | null;
  options: string;
  credentials_version: number;
  created_at: string;
  updated_at: string;
}

/** A `partner_keys` row as both engines return it. */
export interface KeyRow {
  id: number;
  algo: string;
  public_key: string;
  comment: string;
  fingerprint: string;
  added_at: string;
}

/** The row mapper of `partners`, one for both engines. */
export function toPartner(row: PartnerRow): Partner {
  return {
    id: row.id,
    clientId: row.client_id,
    channels: JSON.parse(row.channels) as string[],
    formats: JSON.parse(row.formats) as FormatId[],
    enabled: row.enabled === 1,
    passwordHash: row.password_hash,
    apiKeyHash: row.api_key_hash,
    maxUploadBytes: row.max_upload_bytes,
    options: JSON.parse(row.options) as Record<string, unknown>,
    credentialsVersion: row.credentials_version,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** The row mapper of `partner_keys`, one for both engines. */
export function toKey(row: KeyRow): PartnerKey {
  return { id: row.id, algo: row.algo, publicKey: row.public_key, comment: row.comment, fingerprint: row.fingerprint, addedAt: row.added_at };
}

/** A partner with its keys, as a login needs it. */
export interface PartnerWithKeys extends Partner {
  keys: PartnerKey[];
}

/** A partner row carrying its keys as JSON text (`keys_json`), read in one statement. */
export type PartnerKeysRow = PartnerRow & { keys_json: string };

export function toPartnerWithKeys(row: PartnerKeysRow): PartnerWithKeys {
  const { keys_json: keys, ...partner } = row;
  return { ...toPartner(partner), keys: (JSON.parse(keys) as KeyRow[]).map(toKey) };
}

/**
 * The synchronous SQLite partner store. The async seam (`partner-store.ts`) wraps it; it stays
 * for the callers not yet on the seam (the read model, reprocessing, the daemon's actions).
 */
export class PartnerStore {
  private readonly sql: Statements;

  constructor(
    db: Db,
    private readonly now: () => Date,
  ) {
    this.sql = new Statements(db);
  }

  get(id: string): Partner | undefined {
    const row = this.sql.get('SELECT * FROM partners WHERE id = ?').get(id) as PartnerRow | undefined;
    return row && toPartner(row);
  }

  /** The partner and its keys in one statement: SFTP asks this on every login attempt. */
  withKeys(id: string): PartnerWithKeys | undefined {
    const row = this.sql
      .get(
        `SELECT p.*, (SELECT json_group_array(json_object('id', k.id, 'algo', k.algo, 'public_key', k.public_key, 'comment', k.comment,
                                                           'fingerprint', k.fingerprint, 'added_at', k.added_at))
                        FROM (SELECT * FROM partner_keys WHERE partner_id = p.id ORDER BY id) AS k) AS keys_json
           FROM partners p WHERE p.id = ?`,
      )
      .get(id) as PartnerKeysRow | undefined;
    return row && toPartnerWithKeys(row);
  }

  list(): Partner[] {
    const rows = this.sql.get('SELECT * FROM partners ORDER BY id').all() as PartnerRow[];
    return rows.map(toPartner);
  }

  add(partner: NewPartner): Partner {
    const at = this.now().toISOString();
    this.sql
      .get(
        `INSERT INTO partners (id, client_id, channels, formats, password_hash, max_upload_bytes, options, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        partner.id,
        partner.clientId,
        JSON.stringify(partner.channels),
        JSON.stringify(partner.formats),
        partner.passwordHash ?? null,
        partner.maxUploadBytes ?? null,
        JSON.stringify(partner.options ?? {}),
        at,
        at,
      );
    return this.get(partner.id) as Partner;
  }

  /** Changes the given fields; returns false when the partner does not exist. */
  update(id: string, patch: PartnerPatch): boolean {
    const columns = patchColumns(patch, this.now());
    const names = Object.keys(columns);
    const sets = names.map((name) => `${name} = @${name}`);
    // Disabling and a new password take access away: live sessions of the old one must end.
    if (patch.enabled === false || patch.passwordHash !== undefined) sets.push('credentials_version = credentials_version + 1');
    const result = this.sql.get(`UPDATE partners SET ${sets.join(', ')} WHERE id = @id`).run({ ...columns, id });
    return result.changes > 0;
  }

  keys(partnerId: string): PartnerKey[] {
    const rows = this.sql
      .get('SELECT id, algo, public_key, comment, fingerprint, added_at FROM partner_keys WHERE partner_id = ? ORDER BY id')
      .all(partnerId) as KeyRow[];
    return rows.map(toKey);
  }

  /** Adds a key; false when the partner already has it. */
  addKey(partnerId: string, key: PublicKeyEntry): boolean {
    const result = this.sql
      .get(
        `INSERT OR IGNORE INTO partner_keys (partner_id, algo, public_key, comment, fingerprint, added_at)
         VALUES (?, ?, ?, ?, ?, ?)`,
      )
      .run(partnerId, key.algo, key.publicKey, key.comment, key.fingerprint, this.now().toISOString());
    return result.changes > 0;
  }

  /** Removes a key by fingerprint or row id; false when nothing matched. */
  removeKey(partnerId: string, fingerprintOrId: string): boolean {
    const result = this.sql
      .get('DELETE FROM partner_keys WHERE partner_id = ? AND (fingerprint = ? OR CAST(id AS TEXT) = ?)')
      .run(partnerId, fingerprintOrId, fingerprintOrId);
    if (result.changes === 0) return false;
    // A session logged in with the removed key must not outlive it.
    this.sql.get('UPDATE partners SET credentials_version = credentials_version + 1, updated_at = ? WHERE id = ?').run(this.now().toISOString(), partnerId);
    return true;
  }

  /** Every partner's credentials version and whether it may log in: what the daemon polls. */
  credentialStates(): { id: string; version: number; enabled: boolean }[] {
    const rows = this.sql.get('SELECT id, credentials_version AS version, enabled FROM partners').all() as { id: string; version: number; enabled: number }[];
    return rows.map((row) => ({ id: row.id, version: row.version, enabled: row.enabled === 1 }));
  }
}

/** The columns a patch changes, as both engines store them, with the time of the change. */
export function patchColumns(patch: PartnerPatch, at: Date): Record<string, unknown> {
  const columns: Record<string, unknown> = {};
  if (patch.clientId !== undefined) columns.client_id = patch.clientId;
  if (patch.channels !== undefined) columns.channels = JSON.stringify(patch.channels);
  if (patch.formats !== undefined) columns.formats = JSON.stringify(patch.formats);
  if (patch.passwordHash !== undefined) columns.password_hash = patch.passwordHash;
  if (patch.apiKeyHash !== undefined) columns.api_key_hash = patch.apiKeyHash;
  if (patch.maxUploadBytes !== undefined) columns.max_upload_bytes = patch.maxUploadBytes;
  if (patch.options !== undefined) columns.options = JSON.stringify(patch.options);
  if (patch.enabled !== undefined) columns.enabled = patch.enabled ? 1 : 0;
  columns.updated_at = at.toISOString();
  return columns;
}
