/**
 * PBJ offline sales as data: comma separated with CSV quoting within a line, a header row, every column required (others ignored), all or nothing,
 * a name accepted once, ORDER_ID unique per channel across files.
 */
import type { DelimitedDeclaration } from '../delimited/declaration.js';

export const PBJ_COLUMNS = [
  { name: 'ORDER_ID', kind: 'integer', required: true },
  { name: 'DRAW_NO', kind: 'integer', required: true },
  { name: 'CUSTOMER_ID', kind: 'string', required: true },
  { name: 'PRODUCT', kind: 'string', required: true },
  { name: 'QUANTITY', kind: 'positive-integer', required: true },
  { name: 'AMOUNT', kind: 'decimal', required: true },
  { name: 'PAYMENT_METHOD', kind: 'string', required: true },
  { name: 'SALE_DATE', kind: 'sale-date', required: true },
] as const;

export const pbjDeclaration: DelimitedDeclaration = {
  delimiter: ',',
  quoting: 'rfc4180',
  // a column PBJ does not use is ignored with a warning; a missing one is still a refusal
  layout: { kind: 'header', columns: PBJ_COLUMNS, unknownColumns: 'ignore' },
  shortLines: false,
  errorPolicy: 'all-or-nothing',
  dedupe: { names: 'once', records: { kind: 'unique-key', column: 'ORDER_ID', scope: 'channel', code: 'duplicate_order_id' } },
  maxLineChars: 64 * 1024,
};
