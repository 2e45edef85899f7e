/**
 * The daily summary: one log line per partner with the last 24 hours' files, records and
 * failures, and the holds open right now — what an operator reads over coffee, or greps for.
 */
import { subDays } from 'date-fns/subDays';
import type { Log } from '../log.js';
import type { PartnerDay, ReadModel } from '../read-model/read-model.js';

export interface SummaryOptions {
  /** The ledger as committed: the summary only reads. */
  read: ReadModel;
  log: Log;
  now: () => Date;
}

/** Logs `job.summary.partner` for every partner; returns the lines. */
export async function runDailySummary(options: SummaryOptions): Promise<PartnerDay[]> {
  const since = subDays(options.now(), 1);
  const lines = await options.read.partnerDays(since);
  for (const line of lines) options.log.info('job.summary.partner', { ...line });
  return lines;
}
