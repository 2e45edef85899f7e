import { UsageError } from '../../core/errors.js';
import type { FileRecord } from '../../store/files.js';
import { RecordErrorStore } from '../../store/record-errors.js';
import type { Command } from '../command.js';
import { withContext } from '../context.js';
import { printJson, printTable } from '../output.js';
import { findFile } from './show.js';

const VALUE_WIDTH = 30;

export const errorsCommand: Command = {
  name: 'errors',
  summary: "a file's record errors: where, which field, what was expected",
  usage: '<file id or name> [--partner P] [--limit N] [--json]',
  details: [
    '  A name sent by several partners needs --partner (or give the file id from posdrop files).',
    '  AT is the line (delimited formats) or the index in pos_data (JSON); VALUE is what was sent.',
    '  --limit   at most N errors (default 1000); --json prints every field, values in full',
  ].join('\n'),
  options: { partner: { type: 'string', short: 'p' }, limit: { type: 'string', default: '1000' }, json: { type: 'boolean' } },
  async run(input) {
    const [ref] = input.positionals;
    if (!ref) throw new UsageError('errors needs a file id or name');
    if (input.positionals.length > 1) throw new UsageError('errors takes one file at a time');
    const limit = Number(input.values.limit);
    if (!Number.isInteger(limit) || limit <= 0) throw new UsageError('--limit must be a positive whole number');
    const { file, errors, stored, notStored } = await withContext(input, ({ files, db }) => {
      const found = findFile(files, ref, input.values.partner as string | undefined);
      const store = new RecordErrorStore(db);
      return { file: found, errors: store.list(found.id, limit), stored: store.count(found.id), notStored: store.notStored(found.id) };
    });
    if (input.values.json) {
      return printJson(input.stdout, { id: file.id, partner: file.partner, name: file.name, state: file.state, reason_code: file.reasonCode, reason: file.reason, counts: file.counts, errors, stored, not_stored: notStored });
    }
    input.stdout.write(`${headline(file)}\n`);
    if (stored === 0) {
      input.stdout.write(file.state === 'processed' || file.state === 'rejected' ? 'no record errors\n' : `no record errors (the file is ${file.state})\n`);
      return;
    }
    printTable(
      input.stdout,
      ['AT', 'KEY', 'FIELD', 'CODE', 'VALUE', 'MESSAGE'],
      errors.map((error) => [error.position, error.key ?? null, error.field ?? null, error.code, clip(error.value), error.message]),
    );
    if (stored > errors.length) input.stdout.write(`showing ${errors.length} of ${stored} stored errors; raise --limit for more\n`);
    if (notStored > 0) input.stdout.write(`… and ${notStored} more errors, counted but not stored\n`);
  },
};

function headline(file: FileRecord): string {
  const counts = file.counts ? ` — ${file.counts.total} records: ${file.counts.accepted} accepted, ${file.counts.failed} failed, ${file.counts.duplicates} duplicates` : '';
  const reason = file.reasonCode ? `\n  ${file.reasonCode}: ${file.reason}` : '';
  return `${file.name} (${file.partner}, id ${file.id}): ${file.state}${counts}${reason}`;
}

function clip(value: string | undefined): string | null {
  if (value === undefined) return null;
  // Control characters shown escaped (\t, \n), so that a value cannot break the table.
  const flat = value.replace(/[\u0000-\u001f\u007f]/g, (c) => JSON.stringify(c).slice(1, -1));
  return flat.length > VALUE_WIDTH ? `${flat.slice(0, VALUE_WIDTH - 1)}…` : flat;
}
