/**
 * Gaps as operators see them: every sequence with held files (`posdrop held`, the stale-hold
 * alert), a file's place in its sequence (`posdrop show`), and skipping a gap on purpose
 * (`posdrop release`), recorded with who, when and why.
 */
import { NotFound, OperatorError } from '../core/errors.js';
import { formatCounter, releaseProblem, type Gap } from '../core/sequencer.js';
import type { FormatLookup } from '../formats/registry.js';
import type { FileRecord } from '../store/files.js';
import type { LedgerStore } from '../store/ledger-store.js';
import type { SequenceStoreAsync } from '../store/sequence-store.js';
import type { SequenceKey, SequenceSkip } from '../store/sequences.js';
import type { Store } from '../store/store.js';
import type { Outbox } from '../outbox/outbox.js';
import { receiptFor } from '../outbox/receipt.js';
import { heldInSequence, releaseHeld, sequencePlace, waitingFor } from './sequencing.js';

/** A held file, as a gap lists it. */
export interface HeldFile {
  id: number;
  name: string;
  counter: number;
  heldSince: string;
}

/** A sequence that waits for a file. */
export interface SequenceGap extends Gap {
  format: string;
  lastProcessed: number;
  /** The counter it waits for. */
  expected: number;
  waitingFor: string;
  held: HeldFile[];
}

/** Every gap, oldest hold first. */
export async function listGaps(files: LedgerStore, sequences: SequenceStoreAsync, formats: FormatLookup): Promise<SequenceGap[]> {
  const gaps = new Map<string, SequenceGap>();
  for (const file of await files.inStates(['held'])) {
    const place = sequencePlace(file, formats);
    if (!place) continue;
    const id = `${place.key.partner}\u0000${place.key.format}\u0000${place.key.day}`;
    let gap = gaps.get(id);
    if (!gap) {
      const lastProcessed = await sequences.lastProcessed(place.key);
      const waiting = waitingFor(place, lastProcessed);
      gap = { ...place.key, lastProcessed, expected: lastProcessed + 1, waitingFor: waiting, held: [], heldSince: file.stateChangedAt };
      gaps.set(id, gap);
    }
    gap.held.push({ id: file.id, name: file.name, counter: place.counter, heldSince: file.stateChangedAt });
    if (file.stateChangedAt < gap.heldSince) gap.heldSince = file.stateChangedAt;
  }
  for (const gap of gaps.values()) gap.held.sort((a, b) => a.counter - b.counter || a.id - b.id);
  return [...gaps.values()].sort((a, b) => a.heldSince.localeCompare(b.heldSince));
}

/** Where a file stands in its sequence, for `posdrop show`. */
export interface SequenceInfo {
  day: string;
  counter: number;
  lastProcessed: number;
  waitingFor: string | null;
  skips: SequenceSkip[];
}

/** The sequence of `file`; undefined when its format is not sequenced. */
export async function sequenceInfo(file: FileRecord, sequences: SequenceStoreAsync, formats: FormatLookup): Promise<SequenceInfo | undefined> {
  const place = sequencePlace(file, formats);
  if (!place) return undefined;
  const lastProcessed = await sequences.lastProcessed(place.key);
  return {
    day: place.key.day,
    counter: place.counter,
    lastProcessed,
    waitingFor: file.state === 'held' ? waitingFor(place, lastProcessed) : null,
    skips: await sequences.skips(place.key),
  };
}

/** An operator's skip of a gap. */
export interface ReleaseRequest {
  key: SequenceKey;
  through: number;
  reason: string;
  /** Who asked: the operator's user name. */
  by: string;
}

/** The recorded skip and the files it let go. */
export interface ReleaseResult {
  skip: SequenceSkip;
  released: FileRecord[];
}

/**
 * Skips the counters after the last processed one through `request.through`, in one
 * transaction: the sequence moves on, the skip is recorded, the held file that is next now goes
 * to `queued` (the daemon takes it at its next inbox scan). Another process than the daemon may
 * run it, so it waits for the daemon's file in hand as long as reprocess does.
 */
export function releaseGap(store: Store, formats: FormatLookup, request: ReleaseRequest): Promise<ReleaseResult> {
  if (request.reason.trim() === '') throw new OperatorError('reason_missing', 'say why the gap is skipped: --reason "…"');
  return store.waitingForOthers(() =>
    store.transaction(async ({ ledger, sequences }) => {
      const { key, through } = request;
      await sequences.serialise(key);
      const last = await sequences.lastProcessed(key);
      const held = await heldInSequence(ledger, key, formats);
      // A skip with nothing held behind it is a mistyped date or partner more often than a plan.
      if (held.length === 0) throw new NotFound(nothingHeld(key, await listGaps(ledger, sequences, formats)), 'nothing_held');
      const problem = releaseProblem(last, through, held.map((file) => file.counter));
      if (problem) throw new OperatorError('release_refused', `cannot release ${key.partner} ${key.day} through ${formatCounter(through)}: ${problem}`);
      await sequences.setLastProcessed(key, through);
      const skip = await sequences.addSkip(key, { fromCounter: last + 1, throughCounter: through, reason: request.reason, releasedBy: request.by });
      const detail = `released: ${request.by} skipped ${formatCounter(last + 1)}–${formatCounter(through)} (${request.reason})`;
      return { skip, released: await releaseHeld(ledger, key, through, formats, detail) };
    }),
  );
}

/**
 * After a release, the files of `key` still held learn what they wait for now (their receipts
 * say so); the released ones are answered by the daemon as it processes them.
 */
export async function answerStillHeld(outbox: Outbox, files: LedgerStore, key: SequenceKey, lastProcessed: number, formats: FormatLookup, now: () => Date): Promise<void> {
  for (const file of await heldInSequence(files, key, formats)) {
    const place = sequencePlace(file, formats);
    if (place) await outbox.writeReceipt(receiptFor(file, now(), { waitingFor: waitingFor(place, lastProcessed) }));
  }
}

/** Why a release of `key` is refused when nothing is held there, with the gaps that do exist. */
function nothingHeld(key: SequenceKey, gaps: readonly SequenceGap[]): string {
  const own = gaps.filter((gap) => gap.partner === key.partner && gap.format === key.format);
  const listed = own.map((gap) => `${gap.day.replace(/-/g, '')} waits for ${formatCounter(gap.expected)} (held: ${gap.held.map((file) => formatCounter(file.counter)).join(', ')})`);
  const open = listed.length > 0 ? `the gaps of ${key.partner}: ${listed.join('; ')}` : `${key.partner} has no gap open`;
  return `nothing is held for ${key.partner} on ${key.day.replace(/-/g, '')}, so there is no gap to release; ${open} (posdrop held)`;
}
