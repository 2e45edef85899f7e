/**
 * The operator actions as the running daemon does them for the console: the same functions the
 * CLI commands call (releaseGap, requeueForReprocess, undoFile, the partner store), each through
 * the daemon's store. Afterwards the intake is told at once instead of at its next scan.
 */
import type { Config } from '../config/schema.js';
import { OperatorError } from '../core/errors.js';
import { formatCounter } from '../core/sequencer.js';
import type { DataLayout } from '../data-layout.js';
import { toolboxOptions } from '../formats/clienttoolbox-transactions/options.js';
import { undoFile } from '../formats/clienttoolbox-transactions/undo.js';
import type { FormatLookup } from '../formats/registry.js';
import type { Actor, ConsoleActions } from '../http/console/console-deps.js';
import type { Intake } from '../intake/intake.js';
import { requeueForReprocess } from '../ops/reprocess.js';
import { Outbox } from '../outbox/outbox.js';
import { answerStillHeld, releaseGap } from '../pipeline/sequence-gaps.js';
import type { FileRecord } from '../store/files.js';
import type { Store } from '../store/store.js';

export interface DaemonActionParts {
  config: Config;
  layout: DataLayout;
  store: Store;
  intake: Pick<Intake, 'announce' | 'requeue'>;
  formats: FormatLookup;
  now: () => Date;
}

/** The console's actions on the daemon's own parts. */
export function daemonActions(parts: DaemonActionParts): ConsoleActions {
  const { store, intake, formats, now } = parts;
  const fileOf = async (id: number): Promise<FileRecord> => {
    const file = await store.ledger.get(id);
    if (!file) throw new OperatorError('not_found', `no file ${id}`);
    return file;
  };
  return {
    async release(actor: Actor, request) {
      if (!(await store.partners.get(request.partner))) throw new OperatorError('not_found', `no partner ${JSON.stringify(request.partner)}`);
      const key = { partner: request.partner, format: request.format, day: request.day };
      const { skip, released } = await releaseGap(store, formats, { key, through: request.through, reason: actor.reason, by: actor.operator });
      await answerStillHeld(new Outbox(parts.layout), store.ledger, key, request.through, formats, now);
      for (const file of released) intake.requeue(file.partner, file.name);
      const range = `${formatCounter(skip.fromCounter)}–${formatCounter(skip.throughCounter)}`;
      const names = released.map((file) => file.name).join(', ');
      return `skipped ${range} of ${request.partner} ${request.day}; ${released.length ? `released ${names}` : 'no held file follows yet'}`;
    },

    async reprocess(actor: Actor, fileId: number, force: boolean) {
      const file = await fileOf(fileId);
      const requeued = await requeueForReprocess(file, { layout: parts.layout, store, now, force, formats, requestedBy: actor });
      intake.announce(file.partner, 'inbox', file.name);
      return `${requeued.file.name} is queued again; the daemon processes it now`;
    },

    async setPartnerEnabled(_actor: Actor, partner: string, enabled: boolean) {
      const changed = await store.transaction((tx) => tx.partners.update(partner, { enabled }));
      if (!changed) throw new OperatorError('not_found', `no partner ${JSON.stringify(partner)}`);
      return `partner ${partner} ${enabled ? 'enabled' : 'disabled'}`;
    },

    async undo(actor: Actor, fileId: number) {
      const file = await fileOf(fileId);
      const entries = await undoFile(store, {
        file,
        allowUndo: toolboxOptions(parts.config, file.partner).allow_undo,
        by: actor.operator,
        reason: actor.reason,
        at: now().toISOString(),
      });
      return `undone ${file.name}: ${entries} entries reversed`;
    },
  };
}
