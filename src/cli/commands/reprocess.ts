import { setTimeout as sleep } from 'node:timers/promises';
import { UsageError } from '../../core/errors.js';
import { FINAL_STATES } from '../../core/file-state.js';
import { readPosition } from '../../ops/read-position.js';
import { requeueForReprocess, type Requeued } from '../../ops/reprocess.js';
import type { FileRecord } from '../../store/files.js';
import type { LedgerStore } from '../../store/ledger-store.js';
import type { Command, CommandInput } from '../command.js';
import { withContext } from '../context.js';
import { runningDaemon } from '../daemon-runtime.js';
import { logOperatorAction, RECORD_HELP, RECORD_OPTIONS } from '../operator-log.js';
import { printJson } from '../output.js';
import { progressBar, type ProgressBar } from '../progress.js';
import { fileJson } from './files.js';

const POLL_MS = 250;

export const reprocessCommand: Command = {
  name: 'reprocess',
  args: 1,
  summary: 'process a processed, rejected or failed file again from its archived original',
  usage: '<file id or name> [--partner P] [--force] [--no-wait] [--reason "…"] [--by NAME] [--json]',
  details: [
    '  The file keeps its ledger row: it is queued again and a copy of its original is put back',
    '  in the inbox, where the daemon takes it as usual. Records already stored are reported as',
    '  duplicates; the partner gets a new receipt. Works while the daemon runs (it waits for the',
    '  file in hand); when it does not run, the next start processes the file.',
    '',
    '  --force     also for append-only formats (carma-purchase-history), whose records are',
    '              stored a second time',
    '  --no-wait   return once the file is queued instead of waiting for its new state',
    RECORD_HELP,
  ].join('\n'),
  options: {
    partner: { type: 'string', short: 'p' },
    force: { type: 'boolean' },
    'no-wait': { type: 'boolean' },
    json: { type: 'boolean' },
    ...RECORD_OPTIONS,
  },
  async run(input) {
    const [ref] = input.positionals;
    if (!ref) throw new UsageError('reprocess needs a file id or name');
    if (input.positionals.length > 1) throw new UsageError('reprocess takes one file at a time');
    return withContext(input, async (ctx) => {
      const found = await ctx.read.findFile(ref, input.values.partner as string | undefined);
      let bar: ProgressBar | undefined = progressBar(input.stderr, 'copying', found.size);
      const requeued = await requeueForReprocess(found, {
        layout: ctx.layout,
        store: ctx.store,
        now: () => new Date(),
        force: input.values.force === true,
        onCopy: (done) => bar?.update(done),
      });
      bar?.finish();
      await logOperatorAction(ctx.layout, input, 'reprocess', { file_id: found.id, partner: found.partner, file: found.name, force: input.values.force === true });
      const daemon = runningDaemon(ctx.layout.runtimeFile);
      if (input.values['no-wait'] || !daemon) return report(input, requeued.file, daemon ? 'queued' : 'queued; the daemon is not running, it processes the file at its next start');
      bar = progressBar(input.stderr, 'waiting', found.size);
      const after = await waitForAnswer(ctx.store.ledger, requeued, { pid: daemon.pid, runtimeFile: ctx.layout.runtimeFile }, bar);
      bar?.finish();
      return report(input, after.file, after.outcome);
    });
  },
};

/** Polls the ledger (a read never blocks the daemon) until the file leaves queued/processing. */
async function waitForAnswer(
  files: LedgerStore,
  requeued: Requeued,
  daemon: { pid: number; runtimeFile: string },
  bar: ProgressBar | undefined,
): Promise<{ file: FileRecord; outcome: string }> {
  const seen = requeued.eventsSoFar;
  for (;;) {
    const file = (await files.get(requeued.file.id)) ?? requeued.file;
    const later = (await files.events(file.id)).slice(seen);
    if (later.some((event) => FINAL_STATES.has(event.state) || event.state === 'held')) return { file, outcome: file.state };
    if (!runningDaemon(daemon.runtimeFile)) return { file, outcome: `${file.state}; the daemon stopped, it goes on at its next start` };
    if (bar) {
      bar.phase(file.state === 'processing' ? 'processing' : 'reading');
      bar.update(await readPosition(daemon.pid, requeued.inboxPath));
    }
    await sleep(POLL_MS);
  }
}

function report(input: CommandInput, file: FileRecord, outcome: string): void {
  if (input.values.json) return printJson(input.stdout, fileJson(file));
  const counts = file.counts
    ? ` — total ${file.counts.total}, accepted ${file.counts.accepted}, failed ${file.counts.failed}, duplicates ${file.counts.duplicates}`
    : '';
  const reason = file.reason && file.state !== 'processed' ? ` (${file.reasonCode}: ${file.reason})` : '';
  input.stdout.write(`${file.name} (${file.partner}, id ${file.id}): ${outcome}${counts}${reason}\n`);
}
