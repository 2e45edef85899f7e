import type { FormatSpec } from '../types.js';
import { formatDedupe } from '../delimited/dedupe.js';
import { delimitedProcessor } from '../delimited/processor.js';
import { pbjFormat, RESULT } from './format.js';
import { pbjRefusal, resultJson } from './result.js';

/**
 * Powered By Jumbo offline sales: any `.csv` name (the guide's `{channel}_{date}_{batch}.csv` is a
 * suggestion, and it writes the extension `.CSV`), all or nothing. The sales go to the channel
 * the name starts with when that is one of the partner's, else to the partner's default channel.
 * Tried after the stricter rules of Client Toolbox and Carma, which may also end in `.csv`.
 */
export const pbjOfflineSales: FormatSpec = {
  id: 'pbj-offline-sales',
  title: 'Powered By Jumbo offline sales (CSV)',
  name: {
    format: 'pbj-offline-sales',
    pattern: '<any>.csv, any case (suggested: <channel>_<DD-MM-YYYY>_<batch>.csv)',
    regex: /^(?<any>.+)\.csv$/i,
    channelFromName: true,
  },
  nameRefusal: { suffix: RESULT, content: (message) => resultJson(pbjRefusal(message)) },
  sequenced: false,
  errorPolicy: pbjFormat.declaration.errorPolicy,
  dedupe: formatDedupe(pbjFormat.declaration.dedupe),
  processor: delimitedProcessor(pbjFormat),
};
