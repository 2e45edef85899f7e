import { UsageError } from '../../core/errors.js';
import { toolboxOptions } from '../../formats/clienttoolbox-transactions/options.js';
import { undoFile } from '../../formats/clienttoolbox-transactions/undo.js';
import type { Command } from '../command.js';
import { withContext } from '../context.js';
import { logOperatorAction, operatorName } from '../operator-log.js';
import { printJson } from '../output.js';

export const undoCommand: Command = {
  name: 'undo',
  args: 1,
  summary: 'reverse every ledger entry of a Client Toolbox batch (partner option allow_undo)',
  usage: '<file id or name> --reason TEXT [--partner P] [--by NAME] [--json]',
  details: '  --reason  why, kept with the undo\n  --by      who (default: the operator running the command)',
  options: { partner: { type: 'string', short: 'p' }, reason: { type: 'string' }, by: { type: 'string' }, json: { type: 'boolean' } },
  async run(input) {
    const [ref] = input.positionals;
    if (!ref) throw new UsageError('undo needs a file id or name');
    const reason = (input.values.reason as string | undefined)?.trim();
    if (!reason) throw new UsageError('undo needs --reason: it is kept with the undo');
    const by = operatorName(input.values.by);
    const done = await withContext(input, async ({ store, config, read, layout }) => {
      const file = await read.findFile(ref, input.values.partner as string | undefined);
      const at = new Date().toISOString();
      const entries = await undoFile(store, { file, allowUndo: toolboxOptions(config, file.partner, file).allow_undo, by, reason, at });
      await logOperatorAction(layout, input, 'undo', { file_id: file.id, partner: file.partner, file: file.name, entries_reversed: entries });
      return { file, entries, at };
    });
    const result = { id: done.file.id, partner: done.file.partner, name: done.file.name, entries_reversed: done.entries, undone_by: by, reason, undone_at: done.at };
    if (input.values.json) return printJson(input.stdout, result);
    input.stdout.write(`undone ${done.file.name} (${done.file.partner}, id ${done.file.id}): ${done.entries} entries reversed by ${by}\n`);
  },
};
