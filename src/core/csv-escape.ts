/**
 * CSV written for people who open it in a spreadsheet (error logs): every field quoted, and a
 * cell that a spreadsheet would read as a formula prefixed with `'` (OWASP "CSV injection").
 */

const FORMULA_START = /^[=+\-@\t\r]/;

/** One cell: neutralised when it starts like a formula, quoted, inner quotes doubled. */
export function csvCell(value: string | number | null | undefined): string {
  let text = value === null || value === undefined ? '' : String(value);
  if (FORMULA_START.test(text)) text = `'${text}`;
  return `"${text.replaceAll('"', '""')}"`;
}

/** One line of cells, ended with CRLF as RFC 4180 writes it. */
export function csvRow(cells: readonly (string | number | null | undefined)[]): string {
  return `${cells.map(csvCell).join(',')}\r\n`;
}
