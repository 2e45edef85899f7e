/**
 * Counter sequencing, as decisions without I/O. Files of one partner, format and date are
 * processed in counter order from 1; the only state is the last counter processed (0: none yet).
 * The pipeline reads that state, asks here what to do, and writes the answer in the file's own
 * transaction.
 */
import { differenceInMinutes } from 'date-fns/differenceInMinutes';

/** What to do with a file whose name carries `counter`. */
export type SequenceDecision =
  /** The next counter: process it, and the sequence moves on to it. */
  | { kind: 'next' }
  /** At or below the last processed counter: process it at once, the sequence stays. */
  | { kind: 'resend' }
  /** A predecessor is missing: hold the file until `waitingFor` is processed. */
  | { kind: 'hold'; waitingFor: number };

/** Hold, process as the next one, or process as a resend. */
export function decideSequence(counter: number, lastProcessed: number): SequenceDecision {
  if (counter <= lastProcessed) return { kind: 'resend' };
  if (counter === lastProcessed + 1) return { kind: 'next' };
  return { kind: 'hold', waitingFor: lastProcessed + 1 };
}

/** The last processed counter once `counter` is processed: only the next one moves it. */
export function advanceAfter(counter: number, lastProcessed: number): number {
  return counter === lastProcessed + 1 ? counter : lastProcessed;
}

/** Held counters that may go now; in counter order (equal counters keep their given order). */
export function releasable<T extends { counter: number }>(held: readonly T[], lastProcessed: number): T[] {
  return held.filter((file) => file.counter <= lastProcessed + 1).sort((a, b) => a.counter - b.counter);
}

/**
 * Why an operator may not skip the counters after `lastProcessed` through `through`, or
 * undefined when the skip is sound. A skip only covers files that never came: it may not jump
 * over a held file (release through the counter before it instead).
 */
export function releaseProblem(lastProcessed: number, through: number, heldCounters: readonly number[]): string | undefined {
  if (!Number.isInteger(through) || through < 1 || through > 9999) return 'the counter must be a whole number from 1 to 9999';
  if (through <= lastProcessed) {
    return `nothing to skip: counters up to ${formatCounter(lastProcessed)} are already processed`;
  }
  const firstHeld = Math.min(...heldCounters);
  if (heldCounters.length > 0 && through >= firstHeld) {
    return `${formatCounter(firstHeld)} is held and would be skipped: release through ${formatCounter(firstHeld - 1)} to process it next`;
  }
  return undefined;
}

/** `0007`. */
export function formatCounter(counter: number): string {
  return String(counter).padStart(4, '0');
}

/**
 * The name a held file waits for, from the format's name pattern: `YYYYMMDD_NNNN_<client_id>_pos_<any>.json`
 * becomes `20170623_0002_12_pos_*.json`. `day` is `YYYY-MM-DD`.
 */
export function expectedName(pattern: string, day: string, counter: number, clientId: string): string {
  return pattern
    .replace('YYYYMMDD', day.replaceAll('-', ''))
    .replace('NNNN', formatCounter(counter))
    .replace('<client_id>', clientId)
    .replace(/<[a-z_]+>/g, '*');
}

/** A gap: a sequence with held files, and since when its oldest one waits. */
export interface Gap {
  partner: string;
  day: string;
  heldSince: string;
}

/** Gaps held longer than `minutes` at `now`, with how long, oldest first. */
export function staleGaps<T extends Gap>(gaps: readonly T[], now: Date, minutes: number): (T & { minutes: number })[] {
  return gaps
    .map((gap) => ({ ...gap, minutes: differenceInMinutes(now, Date.parse(gap.heldSince)) }))
    .filter((gap) => gap.minutes >= minutes)
    .sort((a, b) => b.minutes - a.minutes);
}
