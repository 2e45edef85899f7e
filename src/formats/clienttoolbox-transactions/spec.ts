import type { FormatSpec } from '../types.js';
import { formatDedupe } from '../delimited/dedupe.js';
import { delimitedProcessor } from '../delimited/processor.js';
import { toolboxFormat } from './format.js';
import { undoneRefusal } from './undo.js';

/** Client Toolbox batch transactions: `transactions_<YYYYMMDD>_<batch>.(psv|csv|tsv)`. */
export const clienttoolboxTransactions: FormatSpec = {
  id: 'clienttoolbox-transactions',
  title: 'Client Toolbox batch transactions (delimited)',
  name: {
    format: 'clienttoolbox-transactions',
    pattern: 'transactions_<YYYYMMDD>_<batch>.(psv|csv|tsv)',
    regex: /^transactions_(?<date>\d{8})_(?<batch>.+)\.(?<ext>psv|csv|tsv)$/,
    dateLayout: 'YYYYMMDD',
  },
  sequenced: false,
  errorPolicy: toolboxFormat.declaration.errorPolicy,
  dedupe: formatDedupe(toolboxFormat.declaration.dedupe),
  reprocessRefusal: undoneRefusal,
  processor: delimitedProcessor(toolboxFormat),
};
