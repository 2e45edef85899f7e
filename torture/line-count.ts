/**
 * The invariant every delimited format keeps, computed without the splitter it checks: a file's
 * `total` is the number of its non-empty physical lines (a line ends at LF; a CR before it and a
 * leading BOM belong to no line), less the header where the format has one. No byte may make a
 * line disappear uncounted.
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

/** The `total` a delimited format's receipt must give for `data`; undefined for other formats and for bytes that are not UTF-8. */
export function expectedTotal(format: FormatId, data: Buffer): number | undefined {
  const declaration = DELIMITED[format];
  if (!declaration) return undefined;
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(data);
  } catch {
    return undefined;
  }
  const lines = physicalLines(text);
  return declaration.layout.kind === 'header' ? Math.max(0, lines - 1) : lines;
}
