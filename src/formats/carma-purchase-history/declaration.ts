/**
 * Carma purchase history as data: semicolon, no quoting, no header, 31 positional columns of which the first
 * three are required; a line may stop after any column from 2 on. Append-only.
 */
import type { ColumnSpec, DelimitedDeclaration } from '../delimited/declaration.js';

const custom: ColumnSpec[] = Array.from({ length: 25 }, (_, index) => ({ name: `column${index + 2}`, kind: 'string', required: false }));

export const CARMA_COLUMNS: readonly ColumnSpec[] = [
  { name: 'original_id', kind: 'string', required: true },
  { name: 'sku', kind: 'string', required: true },
  { name: 'item_price', kind: 'decimal', required: true },
  { name: 'transaction_time', kind: 'carma-time', required: false },
  { name: 'quantity', kind: 'integer', required: false },
  { name: 'total_price', kind: 'decimal', required: false },
  ...custom,
];

/** Columns before the custom ones (`column2`…`column26`). */
export const CARMA_FIXED_COLUMNS = 6;

export const carmaDeclaration: DelimitedDeclaration = {
  delimiter: ';',
  quoting: 'none',
  layout: { kind: 'positional', columns: CARMA_COLUMNS },
  shortLines: true,
  errorPolicy: 'skip-line',
  dedupe: { names: 'reusable', records: { kind: 'append' } },
  maxLineChars: 64 * 1024,
};
