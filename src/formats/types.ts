import type { NameRule } from '../core/naming.js';
import type { FormatProcessor } from '../pipeline/processor.js';
import type { EngineHandle } from '../store/store.js';
import type { FileRecord } from '../store/files.js';

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
  readonly dedupe: FormatDedupe;
  /**
   * Why `posdrop reprocess` must not process this file again, beyond what `dedupe` says (Client
   * Toolbox: a batch undone stays undone), read on `handle`, the operator command's own store.
   */
  readonly reprocessRefusal?: (handle: EngineHandle, file: FileRecord) => Promise<string | undefined>;
  /**
   * The dialect's answer to a file of this partner whose name no rule took, beside its receipt
   * (PBJ's 400 body): a partner of that platform reads its own answers, not only posdrop's.
   */
  readonly nameRefusal?: { readonly suffix: string; content(message: string): string };
  /** Parses, validates and stores the file; a format without one leaves its files `queued`. */
  readonly processor?: FormatProcessor;
}

/**
 * What a format stores once, as the rest of posdrop needs to know it (the intake, `posdrop
 * reprocess`). A delimited format derives it from its declaration's `DedupePolicy`.
 */
export interface FormatDedupe {
  /** A name is accepted once per partner: a later file of that name is refused, whatever its bytes. */
  readonly namesOnce: boolean;
  /**
   * Records are stored again each time they are read (no dedupe): the same data under another
   * name is a new import, and processing a file again stores its records twice, so `posdrop
   * reprocess` asks for `--force`.
   */
  readonly appendOnly: boolean;
}

export function isFormatId(value: string): value is FormatId {
  return (FORMAT_IDS as readonly string[]).includes(value);
}
