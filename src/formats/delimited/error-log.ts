/**
 * `<name>.errors.csv`: one row per problem, `line,column,value,code,message,raw_line`, every
 * field quoted and formula-like cells neutralised (core/csv-escape). Rows are gathered while a
 * chunk is parsed (synchronously) and written after it, with backpressure.
 */
import { csvRow } from '../../core/csv-escape.js';
import { fullMessage, type LineProblem } from '../../core/line-problem.js';
import type { OutputFiles, OutputWriter } from '../../pipeline/output-files.js';

export const ERRORS_CSV = '.errors.csv';

const HEADER = csvRow(['line', 'column', 'value', 'code', 'message', 'raw_line']);

export class ErrorLog {
  private writer: OutputWriter | undefined;
  private pending = '';

  constructor(private readonly outputs: OutputFiles) {}

  add(line: number, raw: string, problems: readonly LineProblem[]): void {
    for (const problem of problems) {
      this.pending += csvRow([line, problem.column, problem.value, problem.code, fullMessage(problem), raw]);
    }
  }

  /** Writes what was gathered; the file is created at the first problem only. */
  async flush(): Promise<void> {
    if (this.pending === '') return;
    this.writer ??= await this.start();
    const text = this.pending;
    this.pending = '';
    await this.writer.write(text);
  }

  private async start(): Promise<OutputWriter> {
    const writer = await this.outputs.create(ERRORS_CSV);
    await writer.write(HEADER);
    return writer;
  }
}
