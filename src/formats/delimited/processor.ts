/**
 * The frame's `FormatProcessor` for any delimited format: a format supplies its declaration, a
 * session (its store and rules for one file) and its dialect answer; this runs the lines and
 * applies the error policy and the names part of the dedupe policy.
 */
import { FileRejected, type RejectCode } from '../../core/errors.js';
import type { FormatProcessor, ProcessContext, ProcessOutcome, StateOutput } from '../../pipeline/processor.js';
import type { FileNotes, FileRecord } from '../../store/files.js';
import type { Partner } from '../../store/partners.js';
import { countLines } from '../../fs/count-lines.js';
import { claimName } from './accepted-names.js';
import type { DelimitedDeclaration } from './declaration.js';
import { ERRORS_CSV } from './error-log.js';
import { runDelimited, type LineConsumer, type RunSummary } from './run.js';

/** One file's work, inside its transaction. */
export interface FormatSession extends LineConsumer {
  /** After the last line: the format's own answer (through `ctx.outputs`). */
  answer(summary: RunSummary, ctx: ProcessContext): Promise<void>;
}

export interface DelimitedFormat {
  readonly declaration: DelimitedDeclaration;
  /** Suffixes of the dialect files it writes through `ctx.outputs`. */
  readonly dialectOutputs: readonly string[];
  /** How many failed lines the dialect answer lists. */
  readonly keepLines?: number;
  /** The file's session; async where the store must first take a lock or read (PostgreSQL). */
  open(ctx: ProcessContext): FormatSession | Promise<FormatSession>;
  /**
   * The dialect's answer to a refusal of the whole file (a name already used, not UTF-8), when it
   * has one, under `<name><prefix><dialect suffix>`: `prefix` is empty, except for a name already
   * used ({@link asidePrefix}), whose answer must not replace the accepted file's.
   */
  answerRefusal?(message: string, ctx: ProcessContext, prefix: string): Promise<void>;
  onStateChange?(file: FileRecord, partner: Partner, dryRun: boolean): StateOutput[];
}

/** Why a file of a `names: 'once'` format is refused when its name was accepted before (PBJ's words). */
export const ALREADY_UPLOADED = 'This file has already been uploaded';

const NOTHING = Object.freeze({ total: 0, accepted: 0, failed: 0, duplicates: 0 });

/**
 * Where a file refused because its name was used answers: `<name>.upload-<id>…`, its ledger id,
 * beside the answer of the file that was accepted under the name, which the partner comes back for.
 */
export function asidePrefix(file: Pick<FileRecord, 'id'>): string {
  return `.upload-${file.id}`;
}

export function delimitedProcessor(format: DelimitedFormat): FormatProcessor {
  const processor: FormatProcessor = {
    outputs: [ERRORS_CSV, ...format.dialectOutputs],
    async process(ctx: ProcessContext): Promise<ProcessOutcome> {
      if (!(await nameAvailable(format.declaration, ctx))) return refuse(format, ctx, 'name_used', ALREADY_UPLOADED);
      const session = await format.open(ctx);
      let summary: RunSummary;
      try {
        summary = await runDelimited(ctx, format.declaration, session, { keepLines: format.keepLines });
      } catch (err) {
        if (!(err instanceof FileRejected)) throw err;
        // Returned as a rejection (not thrown) so that the frame keeps the dialect answer, with
        // the lines read: a source counts a failed import's lines too (Carma's status `total`).
        return refuse(format, ctx, err.code, err.message, await linesRead(ctx, format.declaration));
      }
      await session.answer(summary, ctx);
      return outcomeOf(summary, format.declaration);
    },
  };
  processor.outputsOf = (file) => (file.reasonCode === 'name_used' ? format.dialectOutputs.map((suffix) => `${asidePrefix(file)}${suffix}`) : processor.outputs);
  if (format.onStateChange) processor.onStateChange = format.onStateChange.bind(format);
  return processor;
}

/** The names policy: a name accepted once is claimed in the file's transaction, before any line. */
async function nameAvailable(declaration: DelimitedDeclaration, ctx: ProcessContext): Promise<boolean> {
  if (declaration.dedupe.names !== 'once') return true;
  const { file, partner, store } = ctx;
  return claimName(store.handle, { partner: partner.id, format: file.format ?? '', name: file.name, fileId: file.id });
}

async function refuse(format: DelimitedFormat, ctx: ProcessContext, code: RejectCode, message: string, lines = 0): Promise<ProcessOutcome> {
  await format.answerRefusal?.(message, ctx, code === 'name_used' ? asidePrefix(ctx.file) : '');
  const counts = lines > 0 ? { total: lines, accepted: 0, failed: lines, duplicates: 0 } : NOTHING;
  return { counts, rejection: { code, message } };
}

/** The data lines of a file refused whole for its bytes (not UTF-8): every non-empty line, less a header. */
async function linesRead(ctx: ProcessContext, declaration: DelimitedDeclaration): Promise<number> {
  const lines = await countLines(ctx.source);
  return declaration.layout.kind === 'header' && !declaration.layout.headerless ? Math.max(0, lines - 1) : lines;
}

function outcomeOf(summary: RunSummary, declaration: DelimitedDeclaration): ProcessOutcome {
  const counts = { total: summary.total, accepted: summary.accepted, failed: summary.failed, duplicates: summary.duplicates };
  const notes: FileNotes = {};
  if (summary.warnings.length) notes.warnings = summary.warnings;
  if (summary.columns) notes.columns = summary.columns;
  if (declaration.errorPolicy !== 'all-or-nothing' || summary.errorLines === 0) return { counts, notes };
  const lines = summary.errorLines === 1 ? '1 line has errors' : `${summary.errorLines} lines have errors`;
  return {
    notes,
    counts: { ...counts, accepted: 0 },
    rejection: {
      code: 'invalid_content',
      message: `${lines}, so nothing of this file was stored (all or nothing); see the error log ${ERRORS_CSV.slice(1)}`,
    },
  };
}
