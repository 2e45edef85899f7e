/** `posdrop held`: every gap in a counter sequence, and what fills it. */
import { formatCounter } from '../../core/sequencer.js';
import { builtInFormat } from '../../formats/registry.js';
import { listGaps, type SequenceGap, type SequenceInfo } from '../../pipeline/sequence-gaps.js';
import type { Command } from '../command.js';
import { withContext } from '../context.js';
import { printJson, printTable } from '../output.js';

function gapJson(gap: SequenceGap) {
  return {
    partner: gap.partner,
    format: gap.format,
    date: gap.day,
    last_processed: gap.lastProcessed,
    expected: formatCounter(gap.expected),
    waiting_for: gap.waitingFor,
    held_since: gap.heldSince,
    held: gap.held.map((file) => ({ id: file.id, name: file.name, counter: formatCounter(file.counter), held_since: file.heldSince })),
  };
}

/** A file's sequence in `posdrop show --json`. */
export function sequenceJson(info: SequenceInfo) {
  return {
    date: info.day,
    counter: formatCounter(info.counter),
    last_processed: info.lastProcessed,
    waiting_for: info.waitingFor,
    skipped: info.skips.map((skip) => ({
      from: formatCounter(skip.fromCounter),
      through: formatCounter(skip.throughCounter),
      reason: skip.reason,
      released_by: skip.releasedBy,
      released_at: skip.releasedAt,
    })),
  };
}

/** A file's sequence in `posdrop show`, as label and text pairs. */
export function sequenceFields(info: SequenceInfo): [string, string][] {
  const last = info.lastProcessed === 0 ? 'none processed yet' : `processed or skipped through ${formatCounter(info.lastProcessed)}`;
  const fields: [string, string][] = [['sequence', `${info.day}, counter ${formatCounter(info.counter)}; ${last}`]];
  if (info.waitingFor) fields.push(['waiting for', info.waitingFor]);
  for (const skip of info.skips) {
    const range = `${formatCounter(skip.fromCounter)}–${formatCounter(skip.throughCounter)}`;
    fields.push(['skipped', `${range} by ${skip.releasedBy} at ${skip.releasedAt}: ${skip.reason}`]);
  }
  return fields;
}

/** `posdrop held`. */
export const heldCommand: Command = {
  name: 'held',
  summary: 'files held back until the file before them arrives: every gap, oldest first',
  usage: '[--partner P] [--json]',
  options: { partner: { type: 'string', short: 'p' }, json: { type: 'boolean' } },
  async run(input) {
    const partner = input.values.partner as string | undefined;
    const gaps = await withContext(input, async ({ store }) =>
      (await listGaps(store.ledger, store.sequences, builtInFormat)).filter((gap) => !partner || gap.partner === partner),
    );
    if (input.values.json) return printJson(input.stdout, gaps.map(gapJson));
    printTable(
      input.stdout,
      ['PARTNER', 'DATE', 'EXPECTED', 'HELD SINCE', 'HELD', 'WAITING FOR'],
      gaps.map((gap) => [
        gap.partner,
        gap.day,
        formatCounter(gap.expected),
        gap.heldSince.slice(0, 19).replace('T', ' '),
        gap.held.map((file) => formatCounter(file.counter)).join(', '),
        gap.waitingFor,
      ]),
    );
  },
};
