/** The life of a file in the ledger; see DESIGN.md section 1. */
export const FILE_STATES = [
  'received',
  'held',
  'queued',
  'processing',
  'processed',
  'rejected',
  'failed',
] as const;

export type FileState = (typeof FILE_STATES)[number];

/** States after which nothing more happens to a file on its own. */
export const FINAL_STATES: ReadonlySet<FileState> = new Set(['processed', 'rejected', 'failed']);

/** States of a file waiting in its inbox for its turn (held, or not yet taken in hand). */
export const PENDING_STATES: ReadonlySet<FileState> = new Set(['received', 'held', 'queued']);

const NEXT: Record<FileState, readonly FileState[]> = {
  received: ['held', 'queued', 'rejected', 'failed'],
  held: ['queued', 'rejected', 'failed'],
  queued: ['processing', 'held', 'rejected', 'failed'],
  // back to queued: a crash or shutdown interrupted the file and it is tried again
  processing: ['processed', 'rejected', 'failed', 'queued'],
  processed: ['queued'],
  rejected: ['queued'],
  failed: ['queued'],
};

export function isFileState(value: string): value is FileState {
  return (FILE_STATES as readonly string[]).includes(value);
}

export function canMove(from: FileState, to: FileState): boolean {
  return NEXT[from].includes(to);
}
