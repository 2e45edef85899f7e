import { UsageError } from '../../core/errors.js';
import { RecordErrorStore } from '../../store/record-errors.js';
import type { Command } from '../command.js';
import { withContext } from '../context.js';
import { printJson, printTable } from '../output.js';
import { findFile } from './show.js';

export const errorsCommand: Command = {
  name: 'errors',
  summary: "a file's record errors: where, which field, what was expected",
  usage: '<file id or name> [--partner P] [--limit N] [--json]',
  options: { partner: { type: 'string', short: 'p' }, limit: { type: 'string', default: '1000' }, json: { type: 'boolean' } },
  async run(input) {
    const [ref] = input.positionals;
    if (!ref) throw new UsageError('errors needs a file id or name');
    const limit = Number(input.values.limit);
    if (!Number.isInteger(limit) || limit <= 0) throw new UsageError('--limit must be a positive whole number');
    const { file, errors, notStored } = await withContext(input, ({ files, db }) => {
      const found = findFile(files, ref, input.values.partner as string | undefined);
      const store = new RecordErrorStore(db);
      return { file: found, errors: store.list(found.id, limit), notStored: store.notStored(found.id) };
    });
    if (input.values.json) {
      return printJson(input.stdout, { id: file.id, partner: file.partner, name: file.name, state: file.state, errors, not_stored: notStored });
    }
    input.stdout.write(`${file.name} (${file.partner}, id ${file.id}): ${file.state}${file.reason ? ` — ${file.reason}` : ''}\n`);
    printTable(
      input.stdout,
      ['AT', 'KEY', 'FIELD', 'CODE', 'MESSAGE'],
      errors.map((error) => [error.position, error.key ?? null, error.field ?? null, error.code, error.message]),
    );
    if (notStored > 0) input.stdout.write(`… and ${notStored} more errors, counted but not stored\n`);
  },
};
