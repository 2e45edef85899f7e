/**
 * The ledger as a list: filters an operator types (partner, format, state, days received, part
 * of the name) and keyset pages, newest arrival first (received_at, then id). A page starts after
 * the last file of the one before, so page 500 costs what page 1 does; the order is that of the
 * indexes on (received_at), (partner_id, received_at) and (state, received_at), so SQLite walks
 * one of them and stops at the page's end instead of sorting what matched. The same filter reads
 * alike on both engines: only the placeholders and the substring test are spelled per dialect.
 */
import type { FileState } from '../core/file-state.js';

/** What narrows the list; every field may be left out. */
export interface FileFilter {
  partner?: string | undefined;
  format?: string | undefined;
  state?: FileState | undefined;
  /** First day received, `YYYY-MM-DD` (UTC). */
  from?: string | undefined;
  /** Last day received, `YYYY-MM-DD` (UTC), included. */
  to?: string | undefined;
  /** Part of the name, any case. */
  name?: string | undefined;
}

/** One page and where the next begins (null on the last). */
export interface Page<T, C = number> {
  rows: T[];
  next: C | null;
}

/** The order of every file list; the keyset below follows it. */
export const FILE_ORDER = 'ORDER BY received_at DESC, id DESC';

/** Which engine the clause is written for: SQLite's `?` and `instr`, or PostgreSQL's `$n` and `strpos`. */
export type SqlDialect = 'sqlite' | 'postgres';

/**
 * The WHERE clause and its parameters for `filter`, rows after the file `before` (by id) only.
 * On PostgreSQL the placeholders are numbered from 1; the caller's own follow from `params.length + 1`.
 */
export function fileWhere(filter: FileFilter, before?: number, dialect: SqlDialect = 'sqlite'): { sql: string; params: unknown[] } {
  const where: string[] = [];
  const params: unknown[] = [];
  const slot = (value: unknown) => {
    params.push(value);
    return dialect === 'sqlite' ? '?' : `$${params.length}`;
  };
  const add = (clause: (value: string) => string, value: unknown) => where.push(clause(slot(value)));
  if (filter.partner) add((at) => `partner_id = ${at}`, filter.partner);
  if (filter.format) add((at) => `format = ${at}`, filter.format);
  if (filter.state) add((at) => `state = ${at}`, filter.state);
  if (filter.from) add((at) => `received_at >= ${at}`, `${filter.from}T00:00:00.000Z`);
  if (filter.to) add((at) => `received_at < ${at}`, nextDay(filter.to));
  if (filter.name) add((at) => (dialect === 'sqlite' ? `instr(lower(name), ${at}) > 0` : `strpos(lower(name), ${at}) > 0`), filter.name.toLowerCase());
  if (before !== undefined) {
    const id = slot(before);
    // PostgreSQL types `$n` once: the file's id is named twice by the same placeholder there.
    const again = dialect === 'sqlite' ? slot(before) : id;
    where.push(`(received_at, id) < ((SELECT received_at FROM files WHERE id = ${id}), ${again})`);
  }
  return { sql: where.length ? `WHERE ${where.join(' AND ')}` : '', params };
}

/** The start of the day after `day` (`YYYY-MM-DD`), as an ISO timestamp. */
function nextDay(day: string): string {
  const next = new Date(`${day}T00:00:00.000Z`);
  next.setUTCDate(next.getUTCDate() + 1);
  return next.toISOString();
}
