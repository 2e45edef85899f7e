import type { NameRule } from '../core/naming.js';
import type { FormatProcessor } from '../pipeline/processor.js';

export const FORMAT_IDS = [
  'crowdtwist-pos',
  'pbj-offline-sales',
  'clienttoolbox-transactions',
  'carma-purchase-history',
] as const;

export type FormatId = (typeof FORMAT_IDS)[number];

/** What happens to a file when some of its records are bad. */
export type ErrorPolicy = 'skip-record' | 'skip-line' | 'all-or-nothing';

/**
 * A file format, declared as data: how its files are named, whether they are sequenced by
 * counter, what a bad record does to the file.
 */
export interface FormatSpec {
  readonly id: FormatId;
  readonly title: string;
  readonly name: NameRule;
  /** Files of one partner and one date are processed in counter order. */
  readonly sequenced: boolean;
  readonly errorPolicy: ErrorPolicy;
  /**
   * Records are appended without looking for ones already stored (no dedupe), so processing a
   * file again stores its records twice: `posdrop reprocess` asks for `--force`.
   */
  readonly appendOnly?: boolean;
  /** Parses, validates and stores the file; a format without one leaves its files `queued`. */
  readonly processor?: FormatProcessor;
}

export function isFormatId(value: string): value is FormatId {
  return (FORMAT_IDS as readonly string[]).includes(value);
}
