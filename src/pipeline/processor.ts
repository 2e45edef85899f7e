/**
 * What a format's pipeline implements. The frame (pipeline.ts) owns the transaction, the state
 * machine, the receipt and the archive; a processor only streams, validates and stores.
 */
import type { Config } from '../config/schema.js';
import type { RejectCode } from '../core/errors.js';
import type { FileCounts, FileNotes, FileRecord } from '../store/files.js';
import type { Partner } from '../store/partners.js';
import type { StoreTx } from '../store/store.js';
import type { ErrorCollector } from './error-collector.js';
import type { OutputFiles } from './output-files.js';

export interface ProcessContext {
  readonly file: FileRecord;
  readonly partner: Partner;
  /** The file on disk (in the inbox, or in /validate for a dry run). */
  readonly source: string;
  /**
   * The seams bound to the file's open transaction: everything written here commits or rolls back
   * at once. A format opens its own per-file store on `store.handle` (see `openCarmaStore`).
   */
  readonly store: StoreTx;
  readonly config: Config;
  readonly now: () => Date;
  /** A dry run (`/validate`, `posdrop check`): the frame rolls everything back afterwards. */
  readonly dryRun: boolean;
  readonly errors: ErrorCollector;
  readonly outputs: OutputFiles;
}

export interface ProcessOutcome {
  counts: FileCounts;
  /**
   * The whole file is refused (an all-or-nothing format with a bad line): nothing of it is
   * stored, the state is `rejected`, and the outputs written are still delivered.
   */
  rejection?: { code: RejectCode; message: string };
  /** For the receipt: warnings, the column order used. */
  notes?: FileNotes;
}

/** An outbox file written at a state change, e.g. Carma's status document. */
export interface StateOutput {
  suffix: string;
  content: string;
}

export interface FormatProcessor {
  /** Suffixes of the outbox files this format may write beside the receipt (`.errors.json`). */
  readonly outputs: readonly string[];
  /**
   * Streams `ctx.source`, validates every record, stores the good ones through its store on `ctx.store`, reports
   * bad ones to `ctx.errors`, writes its dialect files through `ctx.outputs`. Throws
   * `FileRejected` to refuse the whole file (not UTF-8, unparseable, too deep).
   */
  process(ctx: ProcessContext): Promise<ProcessOutcome>;
  /**
   * The suffixes of this file's own outputs when they are not `outputs` (a file refused because
   * its name was used already answers beside the accepted file's answer, never over it).
   */
  outputsOf?(file: Pick<FileRecord, 'id' | 'reasonCode'>): readonly string[];
  /** Outbox files to (re)write at each state change, besides the receipt. */
  onStateChange?(file: FileRecord, partner: Partner, dryRun: boolean): StateOutput[];
}
