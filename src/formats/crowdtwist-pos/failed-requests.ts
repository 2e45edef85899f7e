/**
 * The partner's answer for failed requests: `<name>.errors.json` (every failed request with its
 * index, receipt_id, type, errors and the request as written) and `<name>.retry.json` (a valid
 * pos_data file of just those requests, in their order, to fix and send again). Requests are
 * copied from the file's text, never re-serialised, so the partner gets back exactly what was
 * sent. Both are created only when a request fails; entries are buffered per piece of input and
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

  constructor(
    private readonly outputs: OutputFiles,
    private readonly fileName: string,
  ) {}

  add(element: PosElement, checked: CheckedRequest, problems: readonly FieldProblem[]): void {
    const about = JSON.stringify({
      index: element.index,
      receipt_id: checked.receiptId ?? null,
      type: checked.type,
      errors: problems.map(({ field, code, message }) => ({ field, code, message })),
    });
    const separator = this.count === 0 ? '' : ',\n';
    this.errorEntries.push(`${separator}${about.slice(0, -1)},"request":${element.text}}`);
    this.retryEntries.push(`${separator}${element.text}`);
    this.count += 1;
  }

  /** Writes what was added since the last flush. */
  async flush(): Promise<void> {
    if (this.errorEntries.length === 0) return;
    if (!this.errors || !this.retry) {
      this.errors = await this.outputs.create(ERRORS_SUFFIX);
      this.retry = await this.outputs.create(RETRY_SUFFIX);
      await this.errors.write(`{"file":${JSON.stringify(this.fileName)},"failed_requests":[\n`);
      await this.retry.write('{"pos_data":[\n');
    }
    const errors = this.errorEntries.join('');
    const retry = this.retryEntries.join('');
    this.errorEntries = [];
    this.retryEntries = [];
    await this.errors.write(errors);
    await this.retry.write(retry);
  }

  /** Closes both documents; the frame renames them into the outbox with the commit. */
  async finish(): Promise<void> {
    await this.flush();
    if (!this.errors || !this.retry) return;
    await this.errors.write(`\n],"failed":${this.count}}\n`);
    await this.retry.write('\n]}\n');
  }
}
