/**
 * The ledger as a list: filters an operator types (partner, format, state, days received, part
 * of the name) and keyset pages, newest arrival first (received_at, then id). A page starts after
 * the last file of the one before, so page 500 costs what page 1 does; the order is that of the
 * indexes on (received_at), (partner_id, received_at) and (state, received_at), so SQLite walks
 * one of them and stops at the page's end instead of sorting what matched.
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

/** The WHERE clause and its parameters for `filter`, rows after the file `before` (by id) only. */
export function fileWhere(filter: FileFilter, before?: number): { sql: string; params: unknown[] } {
  const where: string[] = [];
  const params: unknown[] = [];
  const add = (clause: string, value: unknown) => {
    where.push(clause);
    params.push(value);
  };
  if (filter.partner) add('partner_id = ?', filter.partner);
  if (filter.format) add('format = ?', filter.format);
  if (filter.state) add('state = ?', filter.state);
  if (filter.from) add('received_at >= ?', `${filter.from}T00:00:00.000Z`);
  if (filter.to) add('received_at < ?', nextDay(filter.to));
  if (filter.name) add('instr(lower(name), ?) > 0', filter.name.toLowerCase());
  if (before !== undefined) {
    where.push('(received_at, id) < ((SELECT received_at FROM files WHERE id = ?), ?)');
    params.push(before, before);
  }
  return { sql: where.length ? `WHERE ${where.join(' AND ')}` : '', params };
}

/** The start of the day after `day` (`YYYY-MM-DD`), as an ISO timestamp. */
function nextDay(day: string): string {
  const next = new Date(`${day}T00:00:00.000Z`);
  next.setUTCDate(next.getUTCDate() + 1);
  return next.toISOString();
}
