/**
 * The frame's `FormatProcessor` for any delimited format: a format supplies its declaration, a
 * session (its store and rules for one file) and its dialect answer; this runs the lines and
 * applies the error policy.
 */
import { FileRejected, type RejectCode } from '../../core/errors.js';
import type { FormatProcessor, ProcessContext, ProcessOutcome, StateOutput } from '../../pipeline/processor.js';
import type { FileRecord } from '../../store/files.js';
import type { Partner } from '../../store/partners.js';
import type { DelimitedDeclaration } from './declaration.js';
import { ERRORS_CSV } from './error-log.js';
import { runDelimited, type LineConsumer, type RunSummary } from './run.js';

/** One file's work, inside its transaction. */
export interface FormatSession extends LineConsumer {
  /** After the last line: the format's own answer (through `ctx.outputs`). */
  answer(summary: RunSummary, ctx: ProcessContext): Promise<void>;
}

/** The file is refused before any line is read (PBJ: the name was already used). */
export interface Refusal {
  refusal: { code: RejectCode; message: string };
  answer(ctx: ProcessContext): Promise<void>;
}

export interface DelimitedFormat {
  readonly declaration: DelimitedDeclaration;
  /** Suffixes of the dialect files it writes through `ctx.outputs`. */
  readonly dialectOutputs: readonly string[];
  /** How many failed lines the dialect answer lists. */
  readonly keepLines?: number;
  open(ctx: ProcessContext): FormatSession | Refusal;
  /** The dialect's answer to a refusal of the whole file (not UTF-8), when it has one. */
  answerRefusal?(message: string, ctx: ProcessContext): Promise<void>;
  onStateChange?(file: FileRecord, partner: Partner, dryRun: boolean): StateOutput[];
}

function isRefusal(opened: FormatSession | Refusal): opened is Refusal {
  return 'refusal' in opened;
}

export function delimitedProcessor(format: DelimitedFormat): FormatProcessor {
  const processor: FormatProcessor = {
    outputs: [ERRORS_CSV, ...format.dialectOutputs],
    async process(ctx: ProcessContext): Promise<ProcessOutcome> {
      const opened = format.open(ctx);
      if (isRefusal(opened)) {
        await opened.answer(ctx);
        return { counts: { total: 0, accepted: 0, failed: 0, duplicates: 0 }, rejection: opened.refusal };
      }
      let summary: RunSummary;
      try {
        summary = await runDelimited(ctx, format.declaration, opened, { keepLines: format.keepLines });
      } catch (err) {
        if (!(err instanceof FileRejected) || !format.answerRefusal) throw err;
        // Returned as a rejection (not thrown) so that the frame keeps the dialect answer.
        await format.answerRefusal(err.message, ctx);
        return { counts: { total: 0, accepted: 0, failed: 0, duplicates: 0 }, rejection: { code: err.code, message: err.message } };
      }
      await opened.answer(summary, ctx);
      return outcomeOf(summary, format.declaration);
    },
  };
  if (format.onStateChange) processor.onStateChange = format.onStateChange.bind(format);
  return processor;
}

function outcomeOf(summary: RunSummary, declaration: DelimitedDeclaration): ProcessOutcome {
  const counts = { total: summary.total, accepted: summary.accepted, failed: summary.failed, duplicates: summary.duplicates };
  if (declaration.errorPolicy !== 'all-or-nothing' || summary.errorLines === 0) return { counts };
  const lines = summary.errorLines === 1 ? '1 line has errors' : `${summary.errorLines} lines have errors`;
  return {
    counts: { ...counts, accepted: 0 },
    rejection: {
      code: 'invalid_content',
      message: `${lines}, so nothing of this file was stored (all or nothing); see the error log ${ERRORS_CSV.slice(1)}`,
    },
  };
}
