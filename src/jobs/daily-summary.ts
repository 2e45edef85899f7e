/**
 * The daily summary: one log line per partner with the last 24 hours' files, records and
 * failures, and the holds open right now — what an operator reads over coffee, or greps for.
 */
import { subDays } from 'date-fns/subDays';
import type { Log } from '../log.js';
import type { Db } from '../store/database.js';

export interface SummaryOptions {
  db: Db;
  log: Log;
  now: () => Date;
}

export interface PartnerSummary {
  partner: string;
  since: string;
  files_received: number;
  processed: number;
  rejected: number;
  failed: number;
  records: number;
  records_accepted: number;
  records_failed: number;
  records_duplicate: number;
  held: number;
  oldest_hold_since: string | null;
}


const SUMMARY_SQL = `
SELECT p.id AS partner,
  (SELECT count(*) FROM files f WHERE f.partner_id = p.id AND f.received_at >= @since) AS files_received,
  (SELECT count(*) FROM files f WHERE f.partner_id = p.id AND f.processed_at >= @since AND f.state = 'processed') AS processed,
  (SELECT count(*) FROM files f WHERE f.partner_id = p.id AND f.processed_at >= @since AND f.state = 'rejected') AS rejected,
  (SELECT count(*) FROM files f WHERE f.partner_id = p.id AND f.processed_at >= @since AND f.state = 'failed') AS failed,
  coalesce(r.total, 0) AS records, coalesce(r.accepted, 0) AS records_accepted,
  coalesce(r.failed, 0) AS records_failed, coalesce(r.duplicates, 0) AS records_duplicate,
  (SELECT count(*) FROM files f WHERE f.partner_id = p.id AND f.state = 'held') AS held,
  (SELECT min(state_changed_at) FROM files f WHERE f.partner_id = p.id AND f.state = 'held') AS oldest_hold_since
FROM partners p
LEFT JOIN (
  SELECT partner_id, sum(total) AS total, sum(accepted) AS accepted, sum(failed) AS failed, sum(duplicates) AS duplicates
  FROM files WHERE processed_at >= @since GROUP BY partner_id
) r ON r.partner_id = p.id
ORDER BY p.id`;

/** Logs `job.summary.partner` for every partner; returns the lines. */
export function runDailySummary(options: SummaryOptions): PartnerSummary[] {
  const since = subDays(options.now(), 1).toISOString();
  const rows = options.db.prepare(SUMMARY_SQL).all({ since }) as Omit<PartnerSummary, 'since'>[];
  const lines = rows.map((row) => ({ ...row, since }));
  for (const line of lines) options.log.info('job.summary.partner', { ...line });
  return lines;
}
