import type { FormatSpec } from '../types.js';
import { formatDedupe } from '../delimited/dedupe.js';
import { delimitedProcessor } from '../delimited/processor.js';
import { carmaFormat } from './format.js';

/** Carma purchase history: `purchasehistory_<list_id>_<any>.(csv|txt)`, append-only. */
export const carmaPurchaseHistory: FormatSpec = {
  id: 'carma-purchase-history',
  title: 'Carma purchase history (semicolon, positional)',
  name: {
    format: 'carma-purchase-history',
    pattern: 'purchasehistory_<list_id>_<any>.(csv|txt)',
    regex: /^purchasehistory_(?<list_id>[^_]+)_(?<any>.+)\.(?<ext>csv|txt)$/,
  },
  sequenced: false,
  errorPolicy: carmaFormat.declaration.errorPolicy,
  dedupe: formatDedupe(carmaFormat.declaration.dedupe),
  processor: delimitedProcessor(carmaFormat),
};
