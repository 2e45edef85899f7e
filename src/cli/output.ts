/** Plain tables for people, JSON for scripts (`--json`). */
import { randomUUID } from 'node:crypto';

/** JSON text that `printJson` writes as it stands: a request exactly as a partner sent it. */
export class RawJson {
  constructor(readonly text: string) {}
}

export function printJson(out: NodeJS.WritableStream, value: unknown): void {
  const raw: string[] = [];
  // A placeholder no other string can spell, replaced by the raw text once the rest is written.
  const mark = `raw-json-${randomUUID()}`;
  const text = JSON.stringify(value, (_key, inner: unknown) => (inner instanceof RawJson ? `${mark}:${raw.push(inner.text) - 1}` : inner), 2);
  const spliced = raw.length === 0 ? text : text.replace(new RegExp(`"${mark}:(\\d+)"`, 'g'), (_match, index: string) => raw[Number(index)] ?? 'null');
  out.write(`${spliced}\n`);
}

export function printTable(out: NodeJS.WritableStream, headers: string[], rows: (string | number | null)[][]): void {
  if (rows.length === 0) {
    out.write('(none)\n');
    return;
  }
  const cells = [headers, ...rows.map((row) => row.map((cell) => (cell === null ? '-' : String(cell))))];
  const widths = headers.map((_, col) => Math.max(...cells.map((row) => (row[col] ?? '').length)));
  for (const row of cells) {
    out.write(`${row.map((cell, col) => (col === row.length - 1 ? cell : cell.padEnd(widths[col] ?? 0))).join('  ')}\n`);
  }
}

export function printFields(out: NodeJS.WritableStream, fields: [string, unknown][]): void {
  const width = Math.max(...fields.map(([key]) => key.length));
  for (const [key, value] of fields) {
    if (value === undefined) continue;
    const text = value === null ? '-' : typeof value === 'object' ? JSON.stringify(value) : String(value);
    out.write(`${`${key}:`.padEnd(width + 2)}${text}\n`);
  }
}
