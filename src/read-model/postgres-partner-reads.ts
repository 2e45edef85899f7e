/**
 * The partner side of the PostgreSQL read model: the daily summary's statement and a partner's
 * row read back as the console lists it (without its secrets, only whether it has them).
 */
import type { FormatId } from '../formats/types.js';
import type { PartnerKey, PartnerRow } from '../store/partners.js';
import type { PartnerSummary } from './read-model.js';

/** A `partners` row with its last upload and file count. */
export interface PartnerSummaryRow extends PartnerRow {
  last_upload_at: string | null;
  file_count: number;
}

/** The row as `ReadModel.partners` gives it, keys and last logins beside it. */
export function summaryOf(row: PartnerSummaryRow, keys: PartnerKey[], lastLogin: PartnerSummary['lastLogin']): PartnerSummary {
  return {
    id: row.id,
    clientId: row.client_id,
    channels: JSON.parse(row.channels) as string[],
    formats: JSON.parse(row.formats) as FormatId[],
    enabled: row.enabled === 1,
    maxUploadBytes: row.max_upload_bytes,
    options: JSON.parse(row.options) as Record<string, unknown>,
    credentialsVersion: row.credentials_version,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    hasPassword: row.password_hash !== null,
    hasApiKey: row.api_key_hash !== null,
    keys,
    lastLogin,
    lastUploadAt: row.last_upload_at,
    files: row.file_count,
  };
}

/**
 * Per partner: files and records since `$1`, and the holds open now. SQLite's statement, with
 * the sums cast back to bigint (numeric otherwise) and partners in code-point order.
 */
export const partnerDaySql = `
SELECT p.id AS partner,
  (SELECT count(*) FROM files f WHERE f.partner_id = p.id AND f.received_at >= $1) AS files_received,
  (SELECT count(*) FROM files f WHERE f.partner_id = p.id AND f.processed_at >= $1 AND f.state = 'processed') AS processed,
  (SELECT count(*) FROM files f WHERE f.partner_id = p.id AND f.processed_at >= $1 AND f.state = 'rejected') AS rejected,
  (SELECT count(*) FROM files f WHERE f.partner_id = p.id AND f.processed_at >= $1 AND f.state = 'failed') AS failed,
  coalesce(r.total, 0)::bigint AS records, coalesce(r.accepted, 0)::bigint AS records_accepted,
  coalesce(r.failed, 0)::bigint AS records_failed, coalesce(r.duplicates, 0)::bigint AS records_duplicate,
  (SELECT count(*) FROM files f WHERE f.partner_id = p.id AND f.state = 'held') AS held,
  (SELECT min(state_changed_at) FROM files f WHERE f.partner_id = p.id AND f.state = 'held') AS oldest_hold_since
FROM partners p
LEFT JOIN (
  SELECT partner_id, sum(total) AS total, sum(accepted) AS accepted, sum(failed) AS failed, sum(duplicates) AS duplicates
  FROM files WHERE processed_at >= $1 GROUP BY partner_id
) r ON r.partner_id = p.id
ORDER BY p.id COLLATE "C"`;
