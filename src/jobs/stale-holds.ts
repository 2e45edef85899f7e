/**
 * The alert for gaps that stay open: a sequence whose held files have waited longer than
 * `sequencer.stale_minutes` is logged as `sequence.stale` at every check, until the missing file
 * arrives or an operator releases the gap.
 */
import type { SequencerConfig } from '../config/schema.js';
import { formatCounter, staleGaps } from '../core/sequencer.js';
import type { FormatLookup } from '../formats/registry.js';
import type { Log } from '../log.js';
import { listGaps } from '../pipeline/sequence-gaps.js';
import type { LedgerStore } from '../store/ledger-store.js';
import type { SequenceStoreAsync } from '../store/sequence-store.js';
import type { Job } from './scheduler.js';

/** What the alert reads and where it writes. */
export interface StaleHoldsOptions {
  config: SequencerConfig;
  files: LedgerStore;
  sequences: SequenceStoreAsync;
  formats: FormatLookup;
  log: Log;
  now: () => Date;
  /** Each stale gap's alert, besides its log line (the `sequence.stale` webhook). */
  onStale?: (partner: string, fields: Record<string, unknown>) => void;
}

/** The `stale-holds` job of the scheduler. */
export class StaleHoldsJob implements Job {
  readonly name = 'stale-holds';
  readonly schedule: string;
  /** How many stale gaps were reported since the start (for metrics). */
  reported = 0;

  constructor(private readonly options: StaleHoldsOptions) {
    this.schedule = options.config.stale_check_schedule;
  }

  async run(): Promise<void> {
    const { files, sequences, formats, log, now, config } = this.options;
    for (const gap of staleGaps(await listGaps(files, sequences, formats), now(), config.stale_minutes)) {
      this.reported += 1;
      const fields = {
        format: gap.format,
        date: gap.day,
        expected: formatCounter(gap.expected),
        waiting_for: gap.waitingFor,
        held: gap.held.map((file) => file.name),
        held_since: gap.heldSince,
        minutes: gap.minutes,
        threshold_minutes: config.stale_minutes,
      };
      log.warn('sequence.stale', { partner: gap.partner, ...fields });
      this.options.onStale?.(gap.partner, fields);
    }
  }
}
