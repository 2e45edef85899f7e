/**
 * The partner's answer for failed requests: `<name>.errors.json` (every failed request with its
 * index, receipt_id, type, errors and the request as written) and `<name>.retry.json` (a valid
 * pos_data file of just those requests, in their order, to fix and send again; never a duplicate,
 * whose id is stored already). Requests are
 * copied from the file's text, never re-serialised, so the partner gets back exactly what was
 * sent. Each is created only when it gets its first entry; entries are buffered per piece of input and
 * written with backpressure.
 */
import type { OutputFiles, OutputWriter } from '../../pipeline/output-files.js';
import type { PosElement } from './pos-data-reader.js';
import type { CheckedRequest, FieldProblem } from './requests.js';

/** The error log beside the receipt. */
export const ERRORS_SUFFIX = '.errors.json';
/** The file of failed requests to fix and send again. */
export const RETRY_SUFFIX = '.retry.json';

/** Writes both answer files for one batch, as its requests fail. */
export class FailedRequests {
  private errors: OutputWriter | undefined;
  private retry: OutputWriter | undefined;
  private errorEntries: string[] = [];
  private retryEntries: string[] = [];
  private count = 0;
  private retryCount = 0;

  constructor(
    private readonly outputs: OutputFiles,
    private readonly fileName: string,
  ) {}

  /** Lists a failed request in the error log, and in the retry file unless `retry` is false. */
  add(element: Pick<PosElement, 'index' | 'text'>, checked: CheckedRequest, problems: readonly FieldProblem[], { retry }: { retry: boolean }): void {
    const about = JSON.stringify({
      index: element.index,
      receipt_id: checked.receiptId ?? null,
      type: checked.type,
      errors: problems.map(({ field, code, message }) => ({ field, code, message })),
    });
    this.errorEntries.push(`${this.count === 0 ? '' : ',\n'}${about.slice(0, -1)},"request":${element.text}}`);
    this.count += 1;
    if (!retry) return;
    this.retryEntries.push(`${this.retryCount === 0 ? '' : ',\n'}${element.text}`);
    this.retryCount += 1;
  }

  /** Writes what was added since the last flush. */
  async flush(): Promise<void> {
    if (this.errorEntries.length > 0) {
      if (!this.errors) {
        this.errors = await this.outputs.create(ERRORS_SUFFIX);
        await this.errors.write(`{"file":${JSON.stringify(this.fileName)},"failed_requests":[\n`);
      }
      const errors = this.errorEntries.join('');
      this.errorEntries = [];
      await this.errors.write(errors);
    }
    if (this.retryEntries.length > 0) {
      if (!this.retry) {
        this.retry = await this.outputs.create(RETRY_SUFFIX);
        await this.retry.write('{"pos_data":[\n');
      }
      const retry = this.retryEntries.join('');
      this.retryEntries = [];
      await this.retry.write(retry);
    }
  }

  /** Closes both documents; the frame renames them into the outbox with the commit. */
  async finish(): Promise<void> {
    await this.flush();
    await this.errors?.write(`\n],"failed":${this.count}}\n`);
    await this.retry?.write('\n]}\n');
  }
}
