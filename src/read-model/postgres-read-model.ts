/**
 * The read model on PostgreSQL: every question `SqliteReadModel` asks, in PostgreSQL's dialect
 * (`$n` parameters, `strpos` for `instr`, no planner hints). Timestamps are ISO text in both
 * schemas, so comparing and cutting them (`substr(processed_at, 1, 10)`, a day) reads alike.
 * Counts and sums come back as numbers (`count` is bigint, which the pool parses; a `sum` of
 * bigints is numeric, cast back), and text is ordered by code point (`COLLATE "C"`), as SQLite
 * orders it, so the same rows give the same answers on both engines. It reads on the pool, never
 * inside a file's transaction.
 */
import type pg from 'pg';
import type { FileState } from '../core/file-state.js';
import { openFailedRequestStore, type StoredFailedRequest } from '../formats/crowdtwist-pos/failed-request-store.js';
import { builtInFormat, type FormatLookup } from '../formats/registry.js';
import { toRecord, type FileRecord, type FileRow } from '../store/files.js';
import type { LoginVia } from '../store/partner-logins.js';
import type { PartnerKey } from '../store/partners.js';
import { PostgresLedgerStore } from '../store/postgres/ledger.js';
import { PostgresSequenceStore } from '../store/postgres/sequences.js';
import { FILE_ORDER, fileWhere, type FileFilter, type Page } from './file-query.js';
import { partnerDaySql, summaryOf, type PartnerSummaryRow } from './postgres-partner-reads.js';
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

export class PostgresReadModel extends LedgerReadModel {
  constructor(
    private readonly pool: pg.Pool,
    private readonly now: () => Date = () => new Date(),
    formats: FormatLookup = builtInFormat,
  ) {
    // The sequence store only reads here, each read a statement of its own on the pool.
    super(new PostgresLedgerStore(pool, now), new PostgresSequenceStore(pool, now), formats);
  }

  async listFiles(filter: FileFilter, page: { before?: number | undefined; limit: number }): Promise<Page<FileRecord>> {
    const { sql, params } = fileWhere(filter, page.before, 'postgres');
    const rows = await this.rows<FileRow>(`SELECT * FROM files ${sql} ${FILE_ORDER} LIMIT $${params.length + 1}`, [...params, page.limit + 1]);
    const more = rows.length > page.limit;
    const shown = rows.slice(0, page.limit).map(toRecord);
    return { rows: shown, next: more ? (shown.at(-1)?.id ?? null) : null };
  }

  async recordErrors(fileId: number, page: { code?: string | undefined; after?: ErrorCursor | undefined; limit: number }): Promise<Page<StoredRecordError, ErrorCursor>> {
    const params: unknown[] = [fileId];
    const where = ['file_id = $1'];
    if (page.code) where.push(`code = $${params.push(page.code)}`);
    if (page.after) where.push(`(position, id) > ($${params.push(page.after.position)}, $${params.push(page.after.id)})`);
    const rows = await this.rows<PagedErrorRow>(
      `SELECT id, position, record_key, field, code, message, value FROM record_errors WHERE ${where.join(' AND ')}
       ORDER BY position, id LIMIT $${params.push(page.limit + 1)}`,
      params,
    );
    return errorPage(rows, page.limit);
  }

  async errorCodes(fileId: number): Promise<{ code: string; n: number }[]> {
    return this.rows('SELECT code, count(*) AS n FROM record_errors WHERE file_id = $1 GROUP BY code ORDER BY n DESC, code COLLATE "C"', [fileId]);
  }

  async errorsNotStored(fileId: number): Promise<number> {
    const [row] = await this.rows<{ n: number }>('SELECT errors_not_stored AS n FROM files WHERE id = $1', [fileId]);
    return row?.n ?? 0;
  }

  async failedRequests(fileId: number, from: number, through: number): Promise<StoredFailedRequest[]> {
    // The format's own store reads them, on a client of the pool for the one query.
    const client = await this.pool.connect();
    try {
      return await openFailedRequestStore({ engine: 'postgres', client }).list(fileId, from, through);
    } finally {
      client.release();
    }
  }

  async fileCounts(): Promise<FileCount[]> {
    return this.rows("SELECT partner_id AS partner, coalesce(format, 'none') AS format, state, count(*) AS n FROM files GROUP BY 1, 2, 3");
  }

  async holdsByPartner(): Promise<{ partner: string; n: number; oldest: string }[]> {
    return this.rows("SELECT partner_id AS partner, count(*) AS n, min(state_changed_at) AS oldest FROM files WHERE state = 'held' GROUP BY 1");
  }

  async statesSince(since: Date, partner?: string): Promise<{ partner: string; state: FileState; n: number }[]> {
    return this.rows(
      `SELECT partner_id AS partner, state, count(*) AS n FROM files WHERE received_at >= $1 AND ($2::text IS NULL OR partner_id = $2::text)
       GROUP BY partner_id, state ORDER BY partner_id COLLATE "C", state COLLATE "C"`,
      [since.toISOString(), partner ?? null],
    );
  }

  async dailyRecords(days: number, partner?: string): Promise<DayRecords[]> {
    return this.rows(
      `SELECT substr(processed_at, 1, 10) AS day, partner_id AS partner, sum(coalesce(accepted, 0))::bigint AS accepted,
              sum(coalesce(failed, 0))::bigint AS failed, sum(coalesce(duplicates, 0))::bigint AS duplicates
       FROM files WHERE processed_at >= $1 AND state = 'processed' AND ($2::text IS NULL OR partner_id = $2::text)
       GROUP BY 1, 2 ORDER BY 1, partner_id COLLATE "C"`,
      [firstDayOf(this.now(), days).toISOString(), partner ?? null],
    );
  }

  async unfinishedNames(): Promise<{ partner: string; name: string }[]> {
    return this.rows("SELECT partner_id AS partner, name FROM files WHERE state NOT IN ('processed', 'rejected', 'failed')");
  }

  async recentRejections(limit: number): Promise<FileRecord[]> {
    return (await this.rows<FileRow>(`SELECT * FROM files WHERE state = 'rejected' ${FILE_ORDER} LIMIT $1`, [limit])).map(toRecord);
  }

  async partners(): Promise<PartnerSummary[]> {
    // Each partner's last upload and file count: one index range of files_by_partner_received each.
    const partners = await this.rows<PartnerSummaryRow>(
      `SELECT p.*, (SELECT max(received_at) FROM files f WHERE f.partner_id = p.id) AS last_upload_at,
              (SELECT count(*) FROM files f WHERE f.partner_id = p.id) AS file_count
       FROM partners p ORDER BY p.id COLLATE "C"`,
    );
    const keys = new Map<string, PartnerKey[]>();
    for (const row of await this.rows<{ partner_id: string; id: number; algo: string; public_key: string; comment: string; fingerprint: string; added_at: string }>(
      'SELECT partner_id, id, algo, public_key, comment, fingerprint, added_at FROM partner_keys ORDER BY id',
    )) {
      const key = { id: row.id, algo: row.algo, publicKey: row.public_key, comment: row.comment, fingerprint: row.fingerprint, addedAt: row.added_at };
      keys.set(row.partner_id, [...(keys.get(row.partner_id) ?? []), key]);
    }
    const logins = new Map<string, PartnerSummary['lastLogin']>();
    for (const { partner, via, at, address } of await this.rows<{ partner: string; via: LoginVia; at: string; address: string }>(
      'SELECT partner_id AS partner, via, at, address FROM partner_logins ORDER BY partner_id COLLATE "C", via COLLATE "C"',
    )) {
      logins.set(partner, { ...logins.get(partner), [via]: { at, address } });
    }
    return partners.map((row) => summaryOf(row, keys.get(row.id) ?? [], logins.get(row.id) ?? {}));
  }

  async partnerDays(since: Date): Promise<PartnerDay[]> {
    const at = since.toISOString();
    const rows = await this.rows<Omit<PartnerDay, 'since'>>(partnerDaySql, [at]);
    return rows.map((row) => ({ ...row, since: at }));
  }

  private async rows<R extends pg.QueryResultRow>(sql: string, params: unknown[] = []): Promise<R[]> {
    return (await this.pool.query<R>(sql, params)).rows;
  }
}
