/**
 * The crowdtwist-pos pipeline: strict UTF-8 text → pos_data elements (streamed, capped) → checks
 * of each request by itself, then against what is stored → stored, or answered in the error log
 * and the retry file. Bad requests never stop the file ("skip bad records, continue"); a file
 * that is not UTF-8 or not the expected JSON is refused whole.
 */
import type { CrowdtwistConfig } from '../../config/schema.js';
import { clipValue, visibleNul } from '../../core/record-error.js';
import type { FileCounts } from '../../store/files.js';
import type { FormatProcessor, ProcessContext, ProcessOutcome } from '../../pipeline/processor.js';
import { openFailedRequestStore, type FailedRequestStore } from './failed-request-store.js';
import { ERRORS_SUFFIX, FailedRequests, RETRY_SUFFIX } from './failed-requests.js';
import type { CheckedElement } from './check-element.js';
import { forEachChecked } from './checked-elements.js';
import type { ReaderLimits } from './pos-data-reader.js';
import { openPosStore, type PosStore } from './pos-store.js';
import { DUPLICATE_CODES, settleRequest } from './settle-request.js';

/** The reader's caps from the configuration. */
export function readerLimits(config: CrowdtwistConfig): ReaderLimits {
  return { maxDepth: config.max_depth, maxStringChars: config.max_string_chars, maxRecordChars: config.max_record_chars };
}

/** One file's run: counts, the store bound to its transaction, the answer files. */
class BatchRun {
  readonly counts: FileCounts = { total: 0, accepted: 0, failed: 0, duplicates: 0 };
  private readonly failed: FailedRequests;
  private readonly failedStore: FailedRequestStore;

  constructor(
    private readonly ctx: ProcessContext,
    private readonly store: PosStore,
  ) {
    this.failed = new FailedRequests(ctx.outputs, ctx.file.name);
    this.failedStore = openFailedRequestStore(ctx.store.handle);
  }

  async run(): Promise<ProcessOutcome> {
    await this.failedStore.clear(this.ctx.file.id);
    await forEachChecked(this.ctx.source, this.ctx.file.size, readerLimits(this.ctx.config.crowdtwist), async (elements) => {
      await this.store.prepare?.(elements);
      for (const element of elements) this.take(element);
      await this.store.flush(false);
      await this.failedStore.flush(false);
      await this.failed.flush();
    }, this.store.turnElements);
    await this.store.flush(true);
    await this.failedStore.flush(true);
    await this.failed.finish();
    return { counts: this.counts };
  }

  /** One element, checked by itself already: checked against the store, and stored or answered. */
  private take(element: CheckedElement): void {
    this.counts.total += 1;
    const { checked } = element;
    const settled = settleRequest(checked, this.store, element.index);
    if (settled.outcome !== 'refused') {
      this.counts.accepted += 1;
      return;
    }
    const { problems } = settled;
    // The outcomes are disjoint: a request whose id is stored already is a duplicate, not a
    // failure, and is not asked for again in the retry file (sending it again cannot help).
    const duplicate = problems.some((problem) => DUPLICATE_CODES.has(problem.code));
    if (duplicate) this.counts.duplicates += 1;
    else this.counts.failed += 1;
    const keptBefore = this.ctx.errors.errors.length;
    for (const problem of problems) {
      this.ctx.errors.add({
        position: element.index,
        key: checked.receiptId,
        field: problem.field,
        code: problem.code,
        message: problem.message,
        value: clipValue(problem.value),
      });
    }
    // Kept as long as its errors are: the collector keeps the first ones, the request with them.
    if (this.ctx.errors.errors.length > keptBefore) {
      this.failedStore.add(this.ctx.file.id, { index: element.index, receiptId: visibleNul(checked.receiptId) ?? null, type: visibleNul(checked.type ?? undefined) ?? null, request: element.text });
    }
    this.failed.add(element, checked, problems, { retry: !duplicate });
  }
}

/** The processor `crowdtwist-pos` plugs into the pipeline frame. */
export const crowdtwistProcessor: FormatProcessor = {
  outputs: [ERRORS_SUFFIX, RETRY_SUFFIX],
  process: async (ctx) => new BatchRun(ctx, await openPosStore(ctx.store.handle, ctx.partner.id, ctx.file.id)).run(),
};
