/**
 * One read model of the ledger for everyone who looks at it: the CLI, the console and the
 * metrics ask the same questions here and get the same answers, whatever engine holds the
 * ledger. `ReadModel` is the seam; `SqliteReadModel` (sqlite-read-model.ts) asks today's
 * measured statements, `PostgresReadModel` (postgres-read-model.ts) the same questions in
 * PostgreSQL's dialect, and one contract test holds both to the same answers. What needs no SQL
 * of its own (finding a file, gaps, a file's sequence) is answered once, here, through the
 * store's own seams.
 */
import type { ErrorRow as StoredErrorRow } from '../store/record-errors.js';
import { NotFound, OperatorError } from '../core/errors.js';
import type { FileState } from '../core/file-state.js';
import type { RecordError } from '../core/record-error.js';
import type { StoredFailedRequest } from '../formats/crowdtwist-pos/failed-request-store.js';
import type { FormatLookup } from '../formats/registry.js';
import { listGaps, sequenceInfo, type SequenceGap, type SequenceInfo } from '../pipeline/sequence-gaps.js';
import type { FileEvent, FileRecord } from '../store/files.js';
import type { LedgerStore } from '../store/ledger-store.js';
import type { LoginVia } from '../store/partner-logins.js';
import type { Partner, PartnerKey } from '../store/partners.js';
import type { SequenceStoreAsync } from '../store/sequence-store.js';
import type { FileFilter, Page } from './file-query.js';

/** A stored record error with the row id that pages it. */
export interface StoredRecordError extends RecordError {
  id: number;
}

/** Where the next page of record errors starts: after this position and row. */
export interface ErrorCursor {
  position: number;
  id: number;
}

/** Records of one partner's files processed on one day (UTC). */
export interface DayRecords {
  day: string;
  partner: string;
  accepted: number;
  failed: number;
  duplicates: number;
}

/** Files of one partner, format and state. */
export interface FileCount {
  partner: string;
  format: string;
  state: FileState;
  n: number;
}

/** A partner as the console lists it: its row without secrets, key fingerprints, last login and upload. */
export interface PartnerSummary extends Omit<Partner, 'passwordHash' | 'apiKeyHash'> {
  hasPassword: boolean;
  /** Whether it has partner API credentials (`posdrop partners api-key`). */
  hasApiKey: boolean;
  keys: PartnerKey[];
  /** Its last successful login by each way in, if any. */
  lastLogin: Partial<Record<LoginVia, { at: string; address: string }>>;
  lastUploadAt: string | null;
  files: number;
}

/** One partner's last day, as the daily summary logs it. */
export interface PartnerDay {
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

/** Every question asked of the ledger outside the pipeline; each engine answers alike. */
export interface ReadModel {
  /** A file by its id. */
  file(id: number): Promise<FileRecord | undefined>;
  /**
   * A file by id, or the newest file with that name (of `partner`, if given); an OperatorError
   * when there is none, or when several partners sent the name and none was given.
   */
  findFile(ref: string, partner?: string): Promise<FileRecord>;
  /** Files matching `filter`, newest arrival first, `limit` at a time; `before` is the previous page's `next`. */
  listFiles(filter: FileFilter, page: { before?: number | undefined; limit: number }): Promise<Page<FileRecord>>;
  /** A file's state history, oldest first. */
  history(id: number): Promise<FileEvent[]>;
  /** Where a file stands in its counter sequence; undefined when its format has none. */
  sequence(file: FileRecord): Promise<SequenceInfo | undefined>;
  /** Every gap, oldest hold first, each with its held files. */
  holds(): Promise<SequenceGap[]>;
  /** A file's record errors in file order, `limit` at a time, of one code if given. */
  recordErrors(fileId: number, page: { code?: string | undefined; after?: ErrorCursor | undefined; limit: number }): Promise<Page<StoredRecordError, ErrorCursor>>;
  /** How many errors of each code a file has stored, the most frequent first (then by code). */
  errorCodes(fileId: number): Promise<{ code: string; n: number }[]>;
  /** Errors counted for a file but not stored (past the per-file cap). */
  errorsNotStored(fileId: number): Promise<number>;
  /** A crowdtwist-pos file's failed requests as the partner sent them, indexes `from` through `through`, in order. */
  failedRequests(fileId: number, from: number, through: number): Promise<StoredFailedRequest[]>;
  /** Files in the ledger by partner, format and state (`posdrop_files`), in no particular order. */
  fileCounts(): Promise<FileCount[]>;
  /** Per partner: held files and since when the oldest is held, in no particular order. */
  holdsByPartner(): Promise<{ partner: string; n: number; oldest: string }[]>;
  /** Files received since `since`, by partner and state (their state now). */
  statesSince(since: Date, partner?: string): Promise<{ partner: string; state: FileState; n: number }[]>;
  /** Records accepted, failed and duplicate per partner per day, the last `days` days (today included). */
  dailyRecords(days: number, partner?: string): Promise<DayRecords[]>;
  /** Partner and name of every file whose state is not final yet (their answers must stay). */
  unfinishedNames(): Promise<{ partner: string; name: string }[]>;
  /** The newest files refused whole, with their reasons. */
  recentRejections(limit: number): Promise<FileRecord[]>;
  /** Every partner with its keys, which secrets it has, its last logins, last upload and file count. */
  partners(): Promise<PartnerSummary[]>;
  /** Per partner: files and records since `since`, and the holds open now (the daily summary). */
  partnerDays(since: Date): Promise<PartnerDay[]>;
  /** One partner, as `partners()` lists it. */
  partner(id: string): Promise<PartnerSummary | undefined>;
}

/** The first moment (UTC) of the window of the last `days` days, today included. */
export function firstDayOf(now: Date, days: number): Date {
  const DAY_MS = 86_400_000;
  return new Date(Math.floor(now.getTime() / DAY_MS) * DAY_MS - (days - 1) * DAY_MS);
}

/**
 * What both engines answer through the store's seams rather than SQL of their own: the file
 * ledger and the counter sequences they were built on.
 */
export abstract class LedgerReadModel implements ReadModel {
  constructor(
    protected readonly ledger: LedgerStore,
    protected readonly sequences: SequenceStoreAsync,
    protected readonly formats: FormatLookup,
  ) {}

  async file(id: number): Promise<FileRecord | undefined> {
    return this.ledger.get(id);
  }

  async findFile(ref: string, partner?: string): Promise<FileRecord> {
    const byId = /^\d+$/.test(ref) ? await this.ledger.get(Number(ref)) : undefined;
    // An id of another partner's file than the one named must not act on the other's file.
    if (byId && partner !== undefined && byId.partner !== partner) {
      throw new NotFound(`file ${byId.id} is ${byId.partner}'s, not ${partner}'s: give the id alone, or the file's name with --partner`, 'partner_mismatch');
    }
    if (byId) return byId;
    const named = await this.ledger.list({ name: ref, ...(partner === undefined ? {} : { partner }), limit: 100 });
    const file = named[0];
    if (!file) throw new NotFound(`no file ${JSON.stringify(ref)}${partner ? ` for partner ${partner}` : ''}`);
    const partners = [...new Set(named.map((one) => one.partner))];
    if (partners.length > 1) {
      throw new OperatorError('ambiguous', `partners ${partners.join(', ')} each sent a file named ${ref}: add --partner, or give the file id`);
    }
    return file;
  }

  async history(id: number): Promise<FileEvent[]> {
    return this.ledger.events(id);
  }

  async sequence(file: FileRecord): Promise<SequenceInfo | undefined> {
    return sequenceInfo(file, this.sequences, this.formats);
  }

  async holds(): Promise<SequenceGap[]> {
    return listGaps(this.ledger, this.sequences, this.formats);
  }

  async partner(id: string): Promise<PartnerSummary | undefined> {
    return (await this.partners()).find((partner) => partner.id === id);
  }

  abstract listFiles(filter: FileFilter, page: { before?: number | undefined; limit: number }): Promise<Page<FileRecord>>;
  abstract recordErrors(fileId: number, page: { code?: string | undefined; after?: ErrorCursor | undefined; limit: number }): Promise<Page<StoredRecordError, ErrorCursor>>;
  abstract errorCodes(fileId: number): Promise<{ code: string; n: number }[]>;
  abstract errorsNotStored(fileId: number): Promise<number>;
  abstract failedRequests(fileId: number, from: number, through: number): Promise<StoredFailedRequest[]>;
  abstract fileCounts(): Promise<FileCount[]>;
  abstract holdsByPartner(): Promise<{ partner: string; n: number; oldest: string }[]>;
  abstract statesSince(since: Date, partner?: string): Promise<{ partner: string; state: FileState; n: number }[]>;
  abstract dailyRecords(days: number, partner?: string): Promise<DayRecords[]>;
  abstract unfinishedNames(): Promise<{ partner: string; name: string }[]>;
  abstract recentRejections(limit: number): Promise<FileRecord[]>;
  abstract partners(): Promise<PartnerSummary[]>;
  abstract partnerDays(since: Date): Promise<PartnerDay[]>;
}

/** A stored record error row with the id that pages it, as either engine returns it. */
export interface PagedErrorRow extends StoredErrorRow {
  id: number;
}

/** A page of `limit` from rows read with one more than `limit`: the extra one says a next page exists. */
export function errorPage(rows: PagedErrorRow[], limit: number): Page<StoredRecordError, ErrorCursor> {
  const shown = rows.slice(0, limit).map(
    (row): StoredRecordError => ({
      id: row.id,
      position: row.position,
      key: row.record_key ?? undefined,
      field: row.field ?? undefined,
      code: row.code,
      message: row.message,
      value: row.value ?? undefined,
    }),
  );
  const last = shown.at(-1);
  return { rows: shown, next: rows.length > limit && last ? { position: last.position, id: last.id } : null };
}
