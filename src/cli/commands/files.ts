import { UsageError } from '../../core/errors.js';
import { isFileState, FILE_STATES } from '../../core/file-state.js';
import type { FileRecord } from '../../store/files.js';
import type { Command } from '../command.js';
import { withContext } from '../context.js';
import { printJson, printTable } from '../output.js';

import { fileJson, reasonJson } from '../../read-model/file-json.js';

export { fileJson, reasonJson };

export const filesCommand: Command = {
  name: 'files',
  summary: 'list files, newest first',
  usage: '[--partner P] [--state S] [--limit N] [--json]',
  details: `  --state   one of ${FILE_STATES.join(', ')}\n  --limit   at most N files (default 50)`,
  options: {
    partner: { type: 'string', short: 'p' },
    state: { type: 'string' },
    limit: { type: 'string', default: '50' },
    json: { type: 'boolean' },
  },
  async run({ values, stdout, ...rest }) {
    const state = values.state as string | undefined;
    if (state !== undefined && !isFileState(state)) {
      throw new UsageError(`--state must be one of ${FILE_STATES.join(', ')}`);
    }
    const limit = Number(values.limit);
    if (!Number.isInteger(limit) || limit <= 0) throw new UsageError('--limit must be a positive whole number');
    const files = await withContext({ values, stdout, ...rest }, async ({ read }) =>
      (await read.listFiles({ partner: values.partner as string | undefined, state: state as FileRecord['state'] | undefined }, { limit })).rows,
    );
    if (values.json) return printJson(stdout, files.map(fileJson));
    printTable(
      stdout,
      ['ID', 'PARTNER', 'STATE', 'FORMAT', 'RECEIVED', 'COUNTS', 'NAME'],
      files.map((file) => [
        file.id,
        file.partner,
        file.state,
        file.format,
        file.receivedAt.slice(0, 19).replace('T', ' '),
        file.counts ? `${file.counts.accepted}/${file.counts.total}` : null,
        file.name,
      ]),
    );
  },
};
