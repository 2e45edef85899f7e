/**
 * Runs one delimited file through the machinery: strict UTF-8 text → records → typed values →
 * the format's consumer (which stores), with every line problem reported to the frame's error
 * collector, the error log and the summary the dialect answer is built from.
 */
import { fullMessage, type LineProblem } from '../../core/line-problem.js';
import type { ProcessContext } from '../../pipeline/processor.js';
import { delimiterFor, type DelimitedDeclaration } from './declaration.js';
import { keyTakenRule, type KeyHolder, type KeyTaken } from './dedupe.js';
import { ErrorLog } from './error-log.js';
import { LineReader } from './line-reader.js';
import { readUtf8 } from '../../fs/read-utf8.js';
import { RecordSplitter, type RecordSink, type SplitLine } from './record-splitter.js';

/** A line that failed, as dialects list it. */
export interface FailedLine {
  line: number;
  problems: LineProblem[];
}

export interface RunSummary {
  /** Data lines (the header excluded). */
  total: number;
  /** Lines stored: by this run, or by this file when it was processed before (`alreadyStored`). */
  accepted: number;
  /** Lines not stored for a problem of their own; never a duplicate. */
  failed: number;
  /** Lines whose key another file or line stored already. */
  duplicates: number;
  /** Of `accepted`, the lines this file stored when it was processed before. */
  alreadyStored: number;
  /** Lines with at least one problem, the header included. */
  errorLines: number;
  /** Problems, over all lines. */
  errorFields: number;
  /** The first failed lines, at most `keepLines` of them. */
  listed: FailedLine[];
  /** What the file did that was let pass (unknown columns ignored). */
  warnings: string[];
  /** A `headerless` layout: whether the header named the columns or an order was used. */
  columns?: ColumnOrder;
}

/** The columns a headerless-capable file was read with. */
export interface ColumnOrder {
  from: 'header' | 'configured order' | 'default order';
  names: string[];
}

/** What a format does with a line whose cells are all valid: store it, or say why not. */
export interface LineConsumer {
  /**
   * `values` is by declared column and only valid during the call. Returns nothing when the line
   * is stored, its problem, or (a `unique-key` policy) who already holds its key: the run words
   * that line error from the declaration.
   */
  accept(values: readonly unknown[], at: SplitLine): LineProblem | KeyHolder | undefined;
  /**
   * Writes what the consumer has queued: after each piece of input (`final` false: full batches
   * only) and after the last line (`final`: everything, before the answer is built).
   */
  flush?(final: boolean): Promise<void>;
  /**
   * For a store whose reads are a round trip (PostgreSQL): the valid lines of one piece of input,
   * given before any of them is passed to `accept`, so that what they need to be judged can be
   * read in one query; `accept` then answers from memory, in line order, as it would line by line.
   * Without it each line goes to `accept` as soon as it is read.
   */
  prepare?(lines: readonly (readonly unknown[])[]): Promise<void>;
  /** A `per-file` policy: the lines this file has stored (when it was processed before). */
  storedLines?(): Iterable<number>;
  /** A `headerless` layout: the order to read a file in whose first line names no column. */
  columnOrder?(): ColumnOrder;
}

/**
 * Problems listed for one line; the rest are counted and named by one last problem. A line has
 * at most one problem per column, except a header, which can name thousands of unknown columns:
 * every listed problem repeats the raw line in the error log, so an unbounded list would turn a
 * 60 KB header into hundreds of MB.
 */
const MAX_PROBLEMS_PER_LINE = 20;

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
  const run = new DelimitedRun(ctx, declaration, consumer, options.keepLines ?? 1000);
  const splitter = new RecordSplitter({ delimiter: run.delimiter, maxLineChars: declaration.maxLineChars, quoting: declaration.quoting }, run);
  await readUtf8(ctx.source, async (text) => {
    splitter.push(text);
    await run.settleHeld();
    await consumer.flush?.(false);
    await run.log.flush();
  });
  splitter.end();
  await run.settleHeld();
  run.end();
  await consumer.flush?.(true);
  await run.log.flush();
  run.summary.warnings.push(...run.reader.warnings);
  return run.summary;
}

/** A line read while the consumer prepares: its own problems, or a copy of its values. */
interface HeldLine {
  at: SplitLine;
  problems: LineProblem[] | undefined;
  values: unknown[] | undefined;
}

/** One file's lines: header, checks, the consumer, and the bookkeeping of every problem. */
class DelimitedRun implements RecordSink {
  readonly delimiter: string;
  readonly log: ErrorLog;
  readonly summary: RunSummary = { total: 0, accepted: 0, failed: 0, duplicates: 0, alreadyStored: 0, errorLines: 0, errorFields: 0, listed: [], warnings: [] };
  readonly reader: LineReader;
  private readonly keyTaken: KeyTaken | undefined;
  /** Lines of this file stored before (`per-file`); undefined when there are none, the usual case. */
  private readonly stored: ReadonlySet<number> | undefined;
  private header: 'expected' | 'good' | 'bad';
  /** With a consumer that prepares: the lines of the piece of input in hand, in order. */
  private held: HeldLine[] | undefined;

  constructor(
    private readonly ctx: ProcessContext,
    declaration: DelimitedDeclaration,
    private readonly consumer: LineConsumer,
    private readonly keepLines: number,
  ) {
    this.delimiter = delimiterFor(declaration, ctx.file.fields);
    this.reader = new LineReader(declaration, this.delimiter);
    this.keyTaken = keyTakenRule(declaration.dedupe.records, declaration.layout.columns, ctx.file.fields);
    this.stored = storedBefore(declaration, consumer);
    this.log = new ErrorLog(ctx.outputs);
    this.header = this.reader.needsHeader ? 'expected' : 'good';
    if (consumer.prepare) this.held = [];
  }

  /** The lines held for the consumer to prepare: prepared for at once, then judged in order. */
  async settleHeld(): Promise<void> {
    const held = this.held;
    if (!held?.length) return;
    this.held = [];
    await this.consumer.prepare?.(held.flatMap((line) => (line.values ? [line.values] : [])));
    for (const line of held) {
      if (line.values) this.settle(line.values, line.at);
      else this.failed(line.at, line.problems);
    }
  }

  record(cells: string[], at: SplitLine): void {
    if (this.header === 'expected') {
      if (!this.isHeader(cells)) return this.record(cells, at);
      const problems = this.reader.header(cells);
      this.header = problems.length ? 'bad' : 'good';
      if (problems.length) this.report(at, problems);
      return;
    }
    this.summary.total += 1;
    // with a bad header no line can be read; they are counted, the header's problems say why
    if (this.header === 'bad') return this.failed(at, undefined);
    // the same bytes as when it was stored (the identity is the hash): not read or checked again
    if (this.stored !== undefined && this.stored.has(at.line)) return this.storedBefore();
    const problems = this.reader.read(cells);
    if (this.held) {
      // held in order with the good lines, so that the error log stays in line order
      this.held.push({ at: { line: at.line, raw: at.raw }, problems, values: problems ? undefined : [...this.reader.values] });
      return;
    }
    if (problems) return this.failed(at, problems);
    this.settle(this.reader.values, at);
  }

  /** A line whose cells are valid: the consumer's verdict. */
  private settle(values: readonly unknown[], at: SplitLine): void {
    const refused = this.consumer.accept(values, at);
    if (refused === undefined) this.summary.accepted += 1;
    else if (!('fileId' in refused)) this.failed(at, [refused]);
    else if (refused.fileId === this.ctx.file.id && refused.line === at.line) this.storedBefore();
    else this.failed(at, [this.heldKey(values)]);
  }

  /**
   * Whether the first line is the header. A `headerless` layout takes a first line that names no
   * column as data, read in the session's column order (noted for the receipt), and says so.
   */
  private isHeader(cells: readonly string[]): boolean {
    if (!this.reader.headerless) return true;
    const named = this.reader.namesAColumn(cells);
    if (named) this.summary.columns = { from: 'header', names: cells.map((cell) => cell.trim()) };
    else {
      if (!this.consumer.columnOrder) throw new Error('a headerless layout needs the session to give a column order');
      const order = this.consumer.columnOrder();
      this.reader.useOrder(order.names);
      this.summary.columns = order;
      this.header = 'good';
    }
    return named;
  }

  /**
   * The line is in the store already, put there by this file when it was processed before: it is
   * accepted again, so that a reprocess answers as the first run did.
   */
  private storedBefore(): void {
    this.summary.accepted += 1;
    this.summary.alreadyStored += 1;
  }

  /** A key another line already stored, worded by the dedupe policy. */
  private heldKey(values: readonly unknown[]): LineProblem {
    if (!this.keyTaken) throw new Error('a key holder was answered for a format without a unique key');
    return this.keyTaken(values);
  }

  broken(problem: LineProblem, at: SplitLine): void {
    // too long to be held, such a line could be a header only: it is taken as one
    if (this.header === 'expected' && (problem.code === 'line_too_long' || this.isHeader(at.raw.split(this.delimiter)))) {
      this.header = 'bad';
      this.report(at, [problem]);
      return;
    }
    this.summary.total += 1;
    const problems = this.header === 'bad' ? undefined : [problem];
    if (this.held) this.held.push({ at: { line: at.line, raw: at.raw }, problems, values: undefined });
    else this.failed(at, problems);
  }

  /** After the last line: a header file without any line has no header either. */
  end(): void {
    if (this.header !== 'expected') return;
    this.report({ line: 1, raw: '' }, [
      { column: '', value: '', code: 'missing_header_row', message: 'the file has no header row', expected: 'a first line naming the columns' },
    ]);
  }

  /** A line not stored: a duplicate when its key is taken (the outcomes are disjoint), else failed. */
  private failed(at: SplitLine, problems: LineProblem[] | undefined): void {
    if (problems?.some((problem) => problem.duplicate)) this.summary.duplicates += 1;
    else this.summary.failed += 1;
    if (problems) this.report(at, problems);
  }

  private report(at: SplitLine, all: LineProblem[]): void {
    const { summary } = this;
    summary.errorLines += 1;
    summary.errorFields += all.length;
    const problems = all.length > MAX_PROBLEMS_PER_LINE ? [...all.slice(0, MAX_PROBLEMS_PER_LINE - 1), moreProblems(all.length - MAX_PROBLEMS_PER_LINE + 1)] : all;
    for (const problem of problems) {
      this.ctx.errors.add({ position: at.line, field: problem.column || undefined, code: problem.code, message: fullMessage(problem), value: problem.value });
    }
    this.log.add(at.line, at.raw, problems);
    if (summary.listed.length < this.keepLines) summary.listed.push({ line: at.line, problems });
  }
}

/** The `per-file` policy: the lines the file stored before, asked of the format once per file. */
function storedBefore(declaration: DelimitedDeclaration, consumer: LineConsumer): ReadonlySet<number> | undefined {
  if (declaration.dedupe.records.kind !== 'per-file') return undefined;
  if (!consumer.storedLines) throw new Error('a per-file dedupe policy needs the session to list its stored lines');
  const lines = new Set(consumer.storedLines());
  return lines.size > 0 ? lines : undefined;
}

function moreProblems(count: number): LineProblem {
  return {
    column: '',
    value: '',
    code: 'more_problems',
    message: `the line has ${count} more problems, not listed`,
    expected: `at most ${MAX_PROBLEMS_PER_LINE} problems are listed for one line: mend these and send the file again to see the rest`,
  };
}
