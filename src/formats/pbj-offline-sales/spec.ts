import type { FormatSpec } from '../types.js';
import { formatDedupe } from '../delimited/dedupe.js';
import { delimitedProcessor } from '../delimited/processor.js';
import { pbjFormat } from './format.js';

/** Powered By Jumbo offline sales: `<channel>_<DD-MM-YYYY>_<batch>.csv`, all or nothing. */
export const pbjOfflineSales: FormatSpec = {
  id: 'pbj-offline-sales',
  title: 'Powered By Jumbo offline sales (CSV)',
  name: {
    format: 'pbj-offline-sales',
    pattern: '<channel>_<DD-MM-YYYY>_<batch>.csv',
    regex: /^(?<channel>.+)_(?<date>\d{2}-\d{2}-\d{4})_(?<batch>[^_]+)\.csv$/,
    dateLayout: 'DD-MM-YYYY',
  },
  sequenced: false,
  errorPolicy: pbjFormat.declaration.errorPolicy,
  dedupe: formatDedupe(pbjFormat.declaration.dedupe),
  processor: delimitedProcessor(pbjFormat),
};
