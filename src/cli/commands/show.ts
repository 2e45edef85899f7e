import { UsageError } from '../../core/errors.js';
import type { Command } from '../command.js';
import { withContext } from '../context.js';
import { printFields, printJson } from '../output.js';
import { fileJson } from './files.js';
import { sequenceFields, sequenceJson } from './held.js';

export const showCommand: Command = {
  name: 'show',
  args: 1,
  summary: 'one file: state, counts, reason, sequence and history',
  usage: '<file id or name> [--partner P] [--json]',
  options: { partner: { type: 'string', short: 'p' }, json: { type: 'boolean' } },
  async run(input) {
    const [ref] = input.positionals;
    if (!ref) throw new UsageError('show needs a file id or name');
    const { file, events, sequence } = await withContext(input, async ({ read }) => {
      const found = await read.findFile(ref, input.values.partner as string | undefined);
      return { file: found, events: await read.history(found.id), sequence: await read.sequence(found) };
    });
    if (input.values.json) {
      const extra = sequence ? { sequence: sequenceJson(sequence) } : {};
      return printJson(input.stdout, { ...fileJson(file), archive_path: file.archivePath, ...extra, history: events });
    }
    printFields(input.stdout, [
      ['id', file.id],
      ['partner', file.partner],
      ['name', file.name],
      ['state', file.state],
      ['format', file.format],
      ['fields', file.fields],
      ['reason', file.reasonCode ? `${file.reasonCode}: ${file.reason}` : null],
      ['counts', file.counts],
      ['sha256', file.sha256],
      ['size', file.size],
      ['received', file.receivedAt],
      ['processed', file.processedAt],
      ['archived as', file.archivePath],
      ...(sequence ? sequenceFields(sequence) : []),
    ]);
    input.stdout.write('history:\n');
    for (const event of events) input.stdout.write(`  ${event.at}  ${event.state}${event.detail ? `  ${event.detail}` : ''}\n`);
  },
};
