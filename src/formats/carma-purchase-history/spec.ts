import type { FormatSpec } from '../types.js';

/** Carma purchase history: `purchasehistory_<list_id>_<any>.(csv|txt)`, append-only. */
export const carmaPurchaseHistory: FormatSpec = {
  id: 'carma-purchase-history',
  title: 'Carma purchase history (semicolon, positional)',
  name: {
    format: 'carma-purchase-history',
    pattern: 'purchasehistory_<list_id>_<any>.(csv|txt)',
    regex: /^purchasehistory_(?<list_id>[^_]+)_(?<any>.+)\.(?<ext>csv|txt)$/,
  },
  appendOnly: true,
  sequenced: false,
  errorPolicy: 'skip-record',
};
