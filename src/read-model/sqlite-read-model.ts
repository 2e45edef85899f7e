/**
 * The read model on SQLite: today's statements, each prepared once, on the connection it is
 * given. The daemon gives it its read-only connection, so a read never waits for, nor sees
 * inside, the transaction of the file in hand. Several statements carry hints for SQLite's
 * planner (`+column`, one partner at a time), measured against the console bench.
 */
import { openFailedRequestStore, type StoredFailedRequest } from '../formats/crowdtwist-pos/failed-request-store.js';
import { builtInFormat, type FormatLookup } from '../formats/registry.js';
import type { FileState } from '../core/file-state.js';
import type { Db } from '../store/database.js';
import { toRecord, type FileRecord, type FileRow } from '../store/files.js';
import { SqliteLedgerStore } from '../store/ledger-store.js';
import { PartnerLoginStore } from '../store/partner-logins.js';
import { PartnerStore } from '../store/partners.js';
import { SqliteSequenceStore } from '../store/sequence-store.js';
import { Statements } from '../store/statements.js';
import { FILE_ORDER, fileWhere, type FileFilter, type Page } from './file-query.js';
import {
  errorPage,
  firstDayOf,
  LedgerReadModel,
  type DayRecords,
  type ErrorCursor,
  type FileCount,
  type PagedErrorRow,
  type PartnerDay,
  type PartnerSummary,
  type StoredRecordError,
} from './read-model.js';

const PARTNER_DAY_SQL = `
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

export class SqliteReadModel extends LedgerReadModel {
  private readonly sql: Statements;

  constructor(
    private readonly db: Db,
    private readonly now: () => Date = () => new Date(),
    formats: FormatLookup = builtInFormat,
  ) {
    super(SqliteLedgerStore.open(db, now), new SqliteSequenceStore(db, now), formats);
    this.sql = new Statements(db);
  }

  /** Files matching `filter`, newest arrival first, `limit` at a time; `before` is the previous page's `next`. */
  async listFiles(filter: FileFilter, page: { before?: number | undefined; limit: number }): Promise<Page<FileRecord>> {
    const { sql, params } = fileWhere(filter, page.before);
    const rows = this.sql.get(`SELECT * FROM files ${sql} ${FILE_ORDER} LIMIT ?`).all(...params, page.limit + 1) as FileRow[];
    const more = rows.length > page.limit;
    const shown = rows.slice(0, page.limit).map(toRecord);
    return { rows: shown, next: more ? (shown.at(-1)?.id ?? null) : null };
  }

  /** A file's record errors in file order, `limit` at a time, of one code if given. */
  async recordErrors(fileId: number, page: { code?: string | undefined; after?: ErrorCursor | undefined; limit: number }): Promise<Page<StoredRecordError, ErrorCursor>> {
    const where = ['file_id = @file'];
    if (page.code) where.push('code = @code');
    if (page.after) where.push('(position, id) > (@position, @id)');
    const rows = this.sql
      .get(
        `SELECT id, position, record_key, field, code, message, value FROM record_errors WHERE ${where.join(' AND ')}
         ORDER BY position, id LIMIT @limit`,
      )
      .all({ file: fileId, code: page.code ?? null, position: page.after?.position ?? 0, id: page.after?.id ?? 0, limit: page.limit + 1 }) as PagedErrorRow[];
    return errorPage(rows, page.limit);
  }

  /** How many errors of each code a file has stored, the most frequent first. */
  async errorCodes(fileId: number): Promise<{ code: string; n: number }[]> {
    return this.sql.get('SELECT code, count(*) AS n FROM record_errors WHERE file_id = ? GROUP BY code ORDER BY n DESC, code').all(fileId) as {
      code: string;
      n: number;
    }[];
  }

  /** Errors counted for a file but not stored (past the per-file cap). */
  async errorsNotStored(fileId: number): Promise<number> {
    const row = this.sql.get('SELECT errors_not_stored AS n FROM files WHERE id = ?').get(fileId) as { n: number } | undefined;
    return row?.n ?? 0;
  }

  async failedRequests(fileId: number, from: number, through: number): Promise<StoredFailedRequest[]> {
    return openFailedRequestStore({ engine: 'sqlite', db: this.db }).list(fileId, from, through);
  }

  /** Files in the ledger by partner, format and state (`posdrop_files`). */
  async fileCounts(): Promise<FileCount[]> {
    return this.sql
      .get("SELECT partner_id AS partner, coalesce(format, 'none') AS format, state, count(*) AS n FROM files GROUP BY 1, 2, 3")
      .all() as FileCount[];
  }

  /** Per partner: held files and since when the oldest is held. */
  async holdsByPartner(): Promise<{ partner: string; n: number; oldest: string }[]> {
    return this.sql
      .get("SELECT partner_id AS partner, count(*) AS n, min(state_changed_at) AS oldest FROM files WHERE state = 'held' GROUP BY 1")
      .all() as { partner: string; n: number; oldest: string }[];
  }

  /** Files received since `since`, by partner and state (their state now). */
  async statesSince(since: Date, partner?: string): Promise<{ partner: string; state: FileState; n: number }[]> {
    return this.sql
      .get(
        // `+`: grouping must not steer SQLite to scan files_by_state instead of the day's range.
        `SELECT partner_id AS partner, state, count(*) AS n FROM files WHERE received_at >= @since AND (@partner IS NULL OR partner_id = @partner)
         GROUP BY +partner_id, +state ORDER BY 1, 2`,
      )
      .all({ since: since.toISOString(), partner: partner ?? null }) as { partner: string; state: FileState; n: number }[];
  }

  /** Records accepted, failed and duplicate per partner per day, the last `days` days (today included). */
  async dailyRecords(days: number, partner?: string): Promise<DayRecords[]> {
    const first = firstDayOf(this.now(), days);
    return this.sql
      .get(
        `SELECT substr(processed_at, 1, 10) AS day, partner_id AS partner, sum(coalesce(accepted, 0)) AS accepted,
                sum(coalesce(failed, 0)) AS failed, sum(coalesce(duplicates, 0)) AS duplicates
         FROM files WHERE processed_at >= @first AND +state = 'processed' AND (@partner IS NULL OR partner_id = @partner)
         GROUP BY 1, 2 ORDER BY 1, 2`,
      )
      .all({ first: first.toISOString(), partner: partner ?? null }) as DayRecords[];
  }

  /** Partner and name of every file whose state is not final yet (their answers must stay). */
  async unfinishedNames(): Promise<{ partner: string; name: string }[]> {
    return this.sql
      .get("SELECT partner_id AS partner, name FROM files WHERE state NOT IN ('processed', 'rejected', 'failed')")
      .all() as { partner: string; name: string }[];
  }

  /** The newest files refused whole, with their reasons. */
  async recentRejections(limit: number): Promise<FileRecord[]> {
    const rows = this.sql.get(`SELECT * FROM files WHERE state = 'rejected' ${FILE_ORDER} LIMIT ?`).all(limit) as FileRow[];
    return rows.map(toRecord);
  }

  /** Every partner with its keys, which secrets it has, its last logins, last upload and file count. */
  async partners(): Promise<PartnerSummary[]> {
    const store = new PartnerStore(this.db, this.now);
    const logins = new Map<string, PartnerSummary['lastLogin']>();
    for (const { partner, via, at, address } of await new PartnerLoginStore(this.db).all()) {
      logins.set(partner, { ...logins.get(partner), [via]: { at, address } });
    }
    // One partner at a time, in files_by_partner_received: its last entry is one seek, and the
    // count walks the partner's part of the index only. Asked together, max() would walk it too.
    const lastUpload = this.sql.get('SELECT max(received_at) FROM files WHERE partner_id = ?').pluck();
    const fileCount = this.sql.get('SELECT count(*) FROM files WHERE partner_id = ?').pluck();
    return store.list().map(({ passwordHash, apiKeyHash, ...partner }) => {
      const last = lastUpload.get(partner.id) as string | null;
      const n = fileCount.get(partner.id) as number;
      return {
        ...partner,
        hasPassword: passwordHash !== null,
        hasApiKey: apiKeyHash !== null,
        keys: store.keys(partner.id),
        lastLogin: logins.get(partner.id) ?? {},
        lastUploadAt: last,
        files: n,
      };
    });
  }

  /** Per partner: files and records since `since`, and the holds open now (the daily summary). */
  async partnerDays(since: Date): Promise<PartnerDay[]> {
    const at = since.toISOString();
    const rows = this.sql.get(PARTNER_DAY_SQL).all({ since: at }) as Omit<PartnerDay, 'since'>[];
    return rows.map((row) => ({ ...row, since: at }));
  }
}
