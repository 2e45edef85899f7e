import { OperatorError, UsageError } from '../../core/errors.js';
import { builtInFormat } from '../../formats/registry.js';
import { sequenceInfo } from '../../pipeline/sequence-gaps.js';
import { SequenceStore } from '../../store/sequences.js';
import type { FileLedger, FileRecord } from '../../store/files.js';
import type { Command } from '../command.js';
import { withContext } from '../context.js';
import { printFields, printJson } from '../output.js';
import { fileJson } from './files.js';
import { sequenceFields, sequenceJson } from './held.js';

/** A file by id, or the newest file with that name (optionally of one partner). */
export function findFile(files: FileLedger, ref: string, partner?: string): FileRecord {
  const byId = /^\d+$/.test(ref) ? files.get(Number(ref)) : undefined;
  if (byId) return byId;
  const named = files.list({ name: ref, partner, limit: 100 });
  const file = named[0];
  if (!file) throw new OperatorError('not_found', `no file ${JSON.stringify(ref)}${partner ? ` for partner ${partner}` : ''}`);
  const partners = [...new Set(named.map((one) => one.partner))];
  if (partners.length > 1) {
    throw new OperatorError('ambiguous', `partners ${partners.join(', ')} each sent a file named ${ref}: add --partner, or give the file id`);
  }
  return file;
}

export const showCommand: Command = {
  name: 'show',
  summary: 'one file: state, counts, reason, sequence and history',
  usage: '<file id or name> [--partner P] [--json]',
  options: { partner: { type: 'string', short: 'p' }, json: { type: 'boolean' } },
  async run(input) {
    const [ref] = input.positionals;
    if (!ref) throw new UsageError('show needs a file id or name');
    const { file, events, sequence } = await withContext(input, ({ files, db }) => {
      const found = findFile(files, ref, input.values.partner as string | undefined);
      const info = sequenceInfo(found, new SequenceStore(db, () => new Date()), builtInFormat);
      return { file: found, events: files.events(found.id), sequence: info };
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
