/**
 * Runs one delimited file through the machinery: strict UTF-8 text → records → typed values →
 * the format's consumer (which stores), with every line problem reported to the frame's error
 * collector, the error log and the summary the dialect answer is built from.
 */
import { fullMessage, type LineProblem } from '../../core/line-problem.js';
import type { ProcessContext } from '../../pipeline/processor.js';
import { delimiterFor, type DelimitedDeclaration } from './declaration.js';
import { ErrorLog } from './error-log.js';
import { LineReader } from './line-reader.js';
import { readUtf8Text } from './read-text.js';
import { RecordSplitter, type SplitLine } from './record-splitter.js';

/** A line that failed, as dialects list it. */
export interface FailedLine {
  line: number;
  problems: LineProblem[];
}

export interface RunSummary {
  /** Data lines (the header excluded). */
  total: number;
  accepted: number;
  failed: number;
  duplicates: number;
  /** Lines with at least one problem, the header included. */
  errorLines: number;
  /** Problems, over all lines. */
  errorFields: number;
  /** The first failed lines, at most `keepLines` of them. */
  listed: FailedLine[];
}

/** What a format does with a line whose cells are all valid: store it, or say why not. */
export interface LineConsumer {
  /** `values` is by declared column and only valid during the call. */
  accept(values: readonly unknown[], at: SplitLine): LineProblem | undefined;
}

export interface RunOptions {
  /** How many failed lines the summary lists (the rest are counted). */
  keepLines?: number;
}

export async function runDelimited(
  ctx: ProcessContext,
  declaration: DelimitedDeclaration,
  consumer: LineConsumer,
  options: RunOptions = {},
): Promise<RunSummary> {
  const delimiter = delimiterFor(declaration, ctx.file.fields);
  const reader = new LineReader(declaration, delimiter);
  const log = new ErrorLog(ctx.outputs);
  const keep = options.keepLines ?? 1000;
  const summary: RunSummary = { total: 0, accepted: 0, failed: 0, duplicates: 0, errorLines: 0, errorFields: 0, listed: [] };
  let headerState: 'expected' | 'good' | 'bad' = reader.needsHeader ? 'expected' : 'good';

  const fail = (at: SplitLine, problems: LineProblem[]): void => {
    summary.errorLines += 1;
    summary.errorFields += problems.length;
    for (const problem of problems) {
      ctx.errors.add({ position: at.line, field: problem.column || undefined, code: problem.code, message: fullMessage(problem), value: problem.value });
    }
    log.add(at.line, at.raw, problems);
    if (summary.listed.length < keep) summary.listed.push({ line: at.line, problems });
  };
  const dataLineFailed = (at: SplitLine, problems: LineProblem[] | undefined): void => {
    summary.failed += 1;
    if (problems?.some((problem) => problem.duplicate)) summary.duplicates += 1;
    if (problems) fail(at, problems);
  };

  const splitter = new RecordSplitter(delimiter, declaration.maxLineChars, {
    record(cells, at) {
      if (headerState === 'expected') {
        const problems = reader.header(cells);
        headerState = problems.length ? 'bad' : 'good';
        if (problems.length) fail(at, problems);
        return;
      }
      summary.total += 1;
      if (headerState === 'bad') return dataLineFailed(at, undefined);
      const problems = reader.read(cells);
      if (problems) return dataLineFailed(at, problems);
      const refused = consumer.accept(reader.values, at);
      if (refused) dataLineFailed(at, [refused]);
      else summary.accepted += 1;
    },
    broken(problem, at) {
      if (headerState === 'expected') {
        headerState = 'bad';
        fail(at, [problem]);
        return;
      }
      summary.total += 1;
      dataLineFailed(at, headerState === 'bad' ? undefined : [problem]);
    },
  });
  await readUtf8Text(ctx.source, (text) => {
    splitter.push(text);
    return log.flush();
  });
  splitter.end();
  if (headerState === 'expected') {
    fail({ line: 1, raw: '' }, [
      { column: '', value: '', code: 'missing_header_row', message: 'the file has no header row', expected: 'a first line naming the columns' },
    ]);
  }
  await log.flush();
  return summary;
}
