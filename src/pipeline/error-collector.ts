/**
 * Collects a file's record errors while it streams. Memory stays bounded: the first
 * `MAX_STORED` errors are kept in detail (and stored), the rest only counted.
 */
import type { RecordError } from '../core/record-error.js';

export const MAX_STORED_ERRORS = 10_000;

export class ErrorCollector {
  private readonly kept: RecordError[] = [];
  private dropped = 0;
  private readonly failedPositions = new Set<number>();

  constructor(private readonly maxStored = MAX_STORED_ERRORS) {}

  add(error: RecordError): void {
    this.failedPositions.add(error.position);
    if (this.kept.length < this.maxStored) this.kept.push(error);
    else this.dropped += 1;
  }

  /** The kept errors, in the order they were found. */
  get errors(): readonly RecordError[] {
    return this.kept;
  }

  /** Errors found beyond what is kept. */
  get notStored(): number {
    return this.dropped;
  }

  get count(): number {
    return this.kept.length + this.dropped;
  }

  /** Distinct records (lines, array elements) with at least one error. */
  get failedRecords(): number {
    return this.failedPositions.size;
  }
}
