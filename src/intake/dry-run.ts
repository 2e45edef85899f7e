/** The ledger-like record of a dry run (`/validate`, `posdrop check`): classified, never stored. */
import { utcDay } from '../core/calendar.js';
import { classifyName } from '../core/naming.js';
import { formatsFor } from '../formats/registry.js';
import type { FileRecord } from '../store/files.js';
import type { Partner } from '../store/partners.js';
import type { FileDigest } from './file-identity.js';

/** `queued` with its format when the name fits a rule of the partner, else `rejected`. */
export function dryRunRecord(partner: Partner, name: string, digest: FileDigest, now: Date): FileRecord {
  const at = now.toISOString();
  const rules = formatsFor(partner.formats).map((format) => format.name);
  const verdict = classifyName(name, rules, partner, utcDay(now));
  return {
    id: 0,
    partner: partner.id,
    name,
    ...digest,
    format: verdict.ok ? verdict.format : null,
    fields: verdict.ok ? verdict.fields : null,
    state: verdict.ok ? 'queued' : 'rejected',
    reasonCode: verdict.ok ? null : verdict.code,
    reason: verdict.ok ? null : verdict.message,
    counts: null,
    receivedAt: at,
    stateChangedAt: at,
    processingStartedAt: null,
    processedAt: verdict.ok ? null : at,
    archivePath: null,
    leftInboxAt: null,
    notes: null,
    via: null,
    senderOptions: null,
  };
}
