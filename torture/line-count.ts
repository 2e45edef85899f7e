/**
 * The invariant every delimited format keeps, computed without the splitter it checks: a file's
 * `total` is the number of its non-empty physical lines (a line ends at LF; a CR before it and a
 * leading BOM belong to no line), less the header where the format has one. No byte may make a
 * line disappear uncounted. A Client Toolbox file may have no header: its first line is one when
 * a cell of it (split on the name's delimiter) names a column, or when it is too long to be data.
 */
import type { FormatId } from '../src/formats/types.js';
import { carmaDeclaration } from '../src/formats/carma-purchase-history/declaration.js';
import { toolboxDeclaration } from '../src/formats/clienttoolbox-transactions/declaration.js';
import type { DelimitedDeclaration } from '../src/formats/delimited/declaration.js';
import { pbjDeclaration } from '../src/formats/pbj-offline-sales/declaration.js';

const DELIMITED: Partial<Record<FormatId, DelimitedDeclaration>> = {
  'pbj-offline-sales': pbjDeclaration,
  'clienttoolbox-transactions': toolboxDeclaration,
  'carma-purchase-history': carmaDeclaration,
};

/** Non-empty physical lines of `text`. */
export function physicalLines(text: string): number {
  const body = text.startsWith('\uFEFF') ? text.slice(1) : text;
  return body.split('\n').filter((line) => line !== '' && line !== '\r').length;
}

/** The delimiter of a Client Toolbox name, by its extension. */
const TOOLBOX_DELIMITERS: Record<string, string> = { psv: '|', csv: ',', tsv: '\t' };

/** Whether the first non-empty line of a headerless-capable file is its header. */
function firstLineIsHeader(declaration: DelimitedDeclaration, text: string, name: string): boolean {
  const layout = declaration.layout;
  if (layout.kind !== 'header') return false;
  if (!layout.headerless) return true;
  const body = text.startsWith('\uFEFF') ? text.slice(1) : text;
  const first = body.split('\n').find((line) => line !== '' && line !== '\r');
  if (first === undefined) return false;
  const line = first.endsWith('\r') ? first.slice(0, -1) : first;
  if (line.length > declaration.maxLineChars) return true;
  const delimiter = TOOLBOX_DELIMITERS[name.slice(name.lastIndexOf('.') + 1)] ?? '|';
  const names = new Set(layout.columns.map((column) => column.name.toLowerCase()));
  return line.split(delimiter).some((cell) => {
    const lower = cell.trim().toLowerCase();
    return names.has(lower) || layout.extraNames?.test(lower) === true;
  });
}

/**
 * The `total` a delimited format's receipt must give for `data` sent as `name`; undefined for
 * other formats and for bytes that are not UTF-8.
 */
export function expectedTotal(format: FormatId, data: Buffer, name: string): number | undefined {
  const declaration = DELIMITED[format];
  if (!declaration) return undefined;
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(data);
  } catch {
    return undefined;
  }
  const lines = physicalLines(text);
  return firstLineIsHeader(declaration, text, name) ? Math.max(0, lines - 1) : lines;
}
