/**
 * Bulk rows into PostgreSQL through `COPY … FROM STDIN` (pg-copy-streams): one round trip and no
 * per-row statement, the fastest way in. Rows are encoded in COPY's text format, whose only rules
 * are a tab between columns, `\N` for null and a backslash before backslash, tab, CR and LF.
 */
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';

/** A cell as COPY's text format writes it. */
function cell(value: unknown): string {
  if (value === null || value === undefined) return '\\N';
  const text = typeof value === 'string' ? value : typeof value === 'boolean' ? (value ? 't' : 'f') : String(value);
  return /[\\\t\n\r]/.test(text) ? text.replace(/[\\\t\n\r]/g, (char) => ESCAPES[char] as string) : text;
}

const ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };

/** Rows of `width` values each, flat (as the multi-row INSERT binds them), as COPY text. */
function copyText(values: readonly unknown[], width: number): string {
  let text = '';
  for (let at = 0; at < values.length; at += width) {
    for (let column = 0; column < width; column += 1) text += (column === 0 ? '' : '\t') + cell(values[at + column]);
    text += '\n';
  }
  return text;
}

/**
 * Copies `values` (flat, `columns.length` per row) into `table` on `client`, inside the client's
 * open transaction: a rollback takes them back like any insert.
 */
export async function copyRows(client: pg.ClientBase, table: string, columns: readonly string[], values: readonly unknown[]): Promise<void> {
  if (values.length === 0) return;
  const stream = client.query(copyFrom(`COPY ${table} (${columns.join(', ')}) FROM STDIN`));
  await pipeline(Readable.from([copyText(values, columns.length)]), stream);
}
