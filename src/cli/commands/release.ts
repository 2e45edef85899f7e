/** `posdrop release`: skip a gap in a counter sequence on purpose, on the record. */
import { NotFound, UsageError } from '../../core/errors.js';
import { parseCalendarDate } from '../../core/calendar.js';
import { formatCounter } from '../../core/sequencer.js';
import { builtInFormat } from '../../formats/registry.js';
import { Outbox } from '../../outbox/outbox.js';
import { answerStillHeld, releaseGap } from '../../pipeline/sequence-gaps.js';
import type { Command, CommandInput } from '../command.js';
import { withContext } from '../context.js';
import { logOperatorAction, operatorName } from '../operator-log.js';
import { printJson } from '../output.js';

function requireValue(input: CommandInput, name: string): string {
  const value = input.values[name];
  if (typeof value !== 'string' || value === '') throw new UsageError(`--${name} is required`);
  return value;
}

function parseRequest(input: CommandInput) {
  const partner = requireValue(input, 'partner');
  const dateText = requireValue(input, 'date');
  const day = parseCalendarDate(dateText, 'YYYYMMDD');
  if (!day) throw new UsageError(`--date must be a calendar date written YYYYMMDD, not "${dateText}"`);
  const throughText = requireValue(input, 'through');
  if (!/^\d{1,4}$/.test(throughText)) throw new UsageError(`--through must be a counter like 0003, not "${throughText}"`);
  const format = (input.values.format as string | undefined) ?? 'crowdtwist-pos';
  if (!builtInFormat(format)?.sequenced) throw new UsageError(`--format must be a sequenced format (crowdtwist-pos), not "${format}"`);
  const by = operatorName(input.values.by);
  return { key: { partner, format, day }, through: Number(throughText), reason: requireValue(input, 'reason'), by };
}

/** `posdrop release`. */
export const releaseCommand: Command = {
  name: 'release',
  summary: 'skip missing counters of a sequence on purpose, so that the held files go on',
  usage: '--partner P --date YYYYMMDD --through NNNN --reason "…" [--by NAME] [--json]',
  details: [
    '  --through   the last counter to skip; the held file after it is processed next',
    '  --reason    why the files will never come (recorded, shown by posdrop show)',
    '  --by        who decides (default: the user running the command)',
  ].join('\n'),
  options: {
    partner: { type: 'string', short: 'p' },
    date: { type: 'string' },
    through: { type: 'string' },
    reason: { type: 'string' },
    by: { type: 'string' },
    format: { type: 'string' },
    json: { type: 'boolean' },
  },
  async run(input) {
    const request = parseRequest(input);
    const { result, rescan } = await withContext(input, async ({ store, config, layout }) => {
      if (!(await store.partners.get(request.key.partner))) throw new NotFound(`no partner ${JSON.stringify(request.key.partner)}`);
      const released = await releaseGap(store, builtInFormat, request);
      await answerStillHeld(new Outbox(layout), store.ledger, request.key, request.through, builtInFormat, () => new Date());
      await logOperatorAction(layout, input, 'release', {
        partner: request.key.partner,
        format: request.key.format,
        date: request.key.day,
        skipped: { from: formatCounter(released.skip.fromCounter), through: formatCounter(released.skip.throughCounter) },
        released: released.released.map((file) => file.name),
      });
      return { result: released, rescan: config.intake.rescan_seconds };
    });
    const { skip, released } = result;
    if (input.values.json) {
      return printJson(input.stdout, {
        partner: request.key.partner,
        date: request.key.day,
        skipped: { from: formatCounter(skip.fromCounter), through: formatCounter(skip.throughCounter) },
        reason: skip.reason,
        released_by: skip.releasedBy,
        released_at: skip.releasedAt,
        released: released.map((file) => file.name),
      });
    }
    const range = `${formatCounter(skip.fromCounter)}–${formatCounter(skip.throughCounter)}`;
    input.stdout.write(`skipped ${range} of ${request.key.partner} ${request.key.day}, recorded for ${skip.releasedBy}: ${skip.reason}\n`);
    for (const file of released) input.stdout.write(`released ${file.name}: the daemon takes it within ${rescan} s\n`);
    if (released.length === 0) input.stdout.write(`no file is held after ${formatCounter(skip.throughCounter)} yet; the next one is processed when it arrives\n`);
  },
};
