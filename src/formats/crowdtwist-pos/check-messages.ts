/** What the check worker and the store side say to each other. */
import type { RejectCode } from '../../core/errors.js';
import type { CheckedElement } from './check-element.js';
import type { ReaderLimits } from './pos-data-reader.js';

/** Batches posted and not yet taken by the store side before the worker waits. */
export const MAX_AHEAD = 4;

/** The worker's job: one file, with the reader's caps. */
export interface CheckJob {
  source: string;
  limits: ReaderLimits;
}

export type WorkerMessage =
  | { kind: 'batch'; elements: CheckedElement[] }
  | { kind: 'end' }
  /** `code` set: a refusal of the whole file (not UTF-8, not the expected JSON); else a fault. */
  | { kind: 'error'; code?: RejectCode; message: string; details?: Record<string, unknown>; stack?: string };
