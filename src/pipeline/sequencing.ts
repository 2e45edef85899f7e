/**
 * The sequencer's I/O shell: before a file of a sequenced format is processed, hold it or let it
 * go (core/sequencer.ts decides); when it becomes processed, move the sequence on and release the
 * held successor, in that file's own transaction; after the commit, hand released files back to
 * the intake and tell held ones what they now wait for.
 */
import { advanceAfter, decideSequence, expectedName, formatCounter, releasable } from '../core/sequencer.js';
import { errorMessage } from '../core/errors.js';
import type { FormatLookup } from '../formats/registry.js';
import type { Answers } from '../intake/answers.js';
import type { Log } from '../log.js';
import type { FileRecord } from '../store/files.js';
import type { LedgerStore } from '../store/ledger-store.js';
import type { Partner } from '../store/partners.js';
import type { SequenceKey } from '../store/sequences.js';
import type { Store, StoreTx } from '../store/store.js';

/** Where a file stands in its sequence, from its name. */
export interface SequencePlace {
  key: SequenceKey;
  counter: number;
  /** The format's name pattern, to say which name a held file waits for. */
  pattern: string;
  clientId: string;
}

/** The place of `file` in its sequence; undefined when its format is not sequenced. */
export function sequencePlace(file: FileRecord, formats: FormatLookup): SequencePlace | undefined {
  const spec = file.format ? formats(file.format) : undefined;
  const { date, counter, client_id: clientId } = file.fields ?? {};
  if (!spec?.sequenced || date === undefined || counter === undefined) return undefined;
  return { key: { partner: file.partner, format: spec.id, day: date }, counter, pattern: spec.name.pattern, clientId: clientId ?? file.partner };
}

/** The name a file waits for while counters up to `lastProcessed` are done. */
export function waitingFor(place: SequencePlace, lastProcessed: number): string {
  return expectedName(place.pattern, place.key.day, lastProcessed + 1, place.clientId);
}

/** Held files of one sequence, with their counters, oldest first. */
export async function heldInSequence(files: LedgerStore, key: SequenceKey, formats: FormatLookup): Promise<(FileRecord & { counter: number })[]> {
  return (await files.inStates(['held'])).flatMap((file) => {
    const place = sequencePlace(file, formats);
    if (!place || place.key.partner !== key.partner || place.key.format !== key.format || place.key.day !== key.day) return [];
    return [{ ...file, counter: place.counter }];
  });
}

/**
 * Inside a transaction: moves the held files of `key` that may go now to `queued`, each with
 * `detail` in its history.
 */
export async function releaseHeld(files: LedgerStore, key: SequenceKey, lastProcessed: number, formats: FormatLookup, detail: string): Promise<FileRecord[]> {
  const released: FileRecord[] = [];
  for (const file of releasable(await heldInSequence(files, key, formats), lastProcessed)) released.push(await files.move(file.id, 'queued', { detail }));
  return released;
}

/** What the sequencer's shell needs from the daemon. */
export interface SequencingOptions {
  store: Store;
  answers: Answers;
  log: Log;
  now: () => Date;
  formats: FormatLookup;
  /** A held file may go on: the intake takes it again. */
  onRelease: (file: FileRecord) => void;
}

/** A sequence that moved on: where, and which held files it released. */
export interface SequenceStep {
  place: SequencePlace;
  released: FileRecord[];
}

/**
 * Holds and releases the files of sequenced formats for the pipeline. Every decision reads the
 * last processed counter after taking the sequence's lock (`serialise`), so on several nodes a
 * file's gate waits for its predecessor's transaction and then sees the counter it left.
 */
export class Sequencing {
  constructor(private readonly options: SequencingOptions) {}

  /**
   * Holds a `queued` file whose predecessor is not processed yet, lets a `held` one go when it no
   * longer waits; other files pass unchanged. Answers a held file with what it waits for.
   */
  async gate(file: FileRecord, partner: Partner): Promise<FileRecord> {
    const place = sequencePlace(file, this.options.formats);
    if (!place || (file.state !== 'queued' && file.state !== 'held')) return file;
    const result = await this.options.store.transaction(async ({ ledger, sequences }) => {
      await sequences.serialise(place.key);
      const current = await ledger.get(file.id);
      if (!current || (current.state !== 'queued' && current.state !== 'held')) return { file: current ?? file };
      const last = await sequences.lastProcessed(place.key);
      const decision = decideSequence(place.counter, last);
      if (decision.kind === 'hold') {
        const waiting = waitingFor(place, last);
        const held = current.state === 'held' ? current : await ledger.move(current.id, 'held', { detail: `waiting for ${waiting}` });
        return { file: held, waiting };
      }
      const detail = decision.kind === 'resend' ? 'resend: counter already processed' : 'its predecessor is processed';
      return { file: current.state === 'held' ? await ledger.move(current.id, 'queued', { detail }) : current };
    });
    if (result.waiting) await this.options.answers.stateChanged(result.file, partner, { waitingFor: result.waiting });
    return result.file;
  }

  /**
   * Inside the transaction of `file`, which has just become processed: moves its sequence on and
   * releases the held successor. Undefined when the sequence stays (a resend, another format).
   */
  async afterProcessed(tx: StoreTx, file: FileRecord): Promise<SequenceStep | undefined> {
    const place = sequencePlace(file, this.options.formats);
    if (!place || file.state !== 'processed') return undefined;
    await tx.sequences.serialise(place.key);
    const last = await tx.sequences.lastProcessed(place.key);
    const next = advanceAfter(place.counter, last);
    if (next === last) return undefined;
    await tx.sequences.setLastProcessed(place.key, next);
    const detail = `released: ${formatCounter(next)} is processed`;
    return { place, released: await releaseHeld(tx.ledger, place.key, next, this.options.formats, detail) };
  }

  /** After the commit: released files go back to the intake; the rest learn what they now wait for. */
  async announce(file: FileRecord, step: SequenceStep | undefined, partner: Partner): Promise<void> {
    if (!step) return;
    const { place, released } = step;
    const { store, log, formats, onRelease, answers } = this.options;
    for (const next of released) {
      log.info('sequence.released', { partner: next.partner, file: next.name, id: next.id, after: file.name });
      onRelease(next);
    }
    try {
      const last = await store.sequences.lastProcessed(place.key);
      for (const held of await heldInSequence(store.ledger, place.key, formats)) {
        await answers.stateChanged(held, partner, { waitingFor: waitingFor({ ...place, counter: held.counter }, last) });
      }
    } catch (err) {
      log.warn('sequence.receipt_failed', { partner: partner.id, error: errorMessage(err) });
    }
  }
}
