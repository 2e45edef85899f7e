import type { FormatSpec } from '../types.js';
import { crowdtwistProcessor } from './processor.js';

/** CrowdTwist POS batches: `YYYYMMDD_NNNN_<client_id>_pos_<any>.json`, sequenced by counter. */
export const crowdtwistPos: FormatSpec = {
  id: 'crowdtwist-pos',
  title: 'CrowdTwist POS batch (JSON)',
  name: {
    format: 'crowdtwist-pos',
    pattern: 'YYYYMMDD_NNNN_<client_id>_pos_<any>.json',
    // Loose groups, checked afterwards, so that a bad date or counter gets its own message.
    regex: /^(?<date>\d+)_(?<counter>\d+)_(?<client_id>.+?)_pos_(?<any>.*)\.json$/,
    dateLayout: 'YYYYMMDD',
  },
  sequenced: true,
  errorPolicy: 'skip-record',
  // receipt_id, return_id and fulfillment_id are unique per partner (pos-store.ts): nothing is stored twice
  dedupe: { namesOnce: false, appendOnly: false },
  processor: crowdtwistProcessor,
};
