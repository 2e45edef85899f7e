/** What the WAL checkpointer and its worker thread say to each other. */

export interface CheckpointerData {
  /** The SQLite file whose log the worker folds in. */
  file: string;
  everyMs: number;
}

/** The worker's answer to a `checkpoint` message, or a checkpoint that failed. */
export type CheckpointReply = { kind: 'done'; walPages: number; checkpointedPages: number } | { kind: 'error'; message: string };

/** A checkpoint now, or the end: the worker closes its connection and its thread ends. */
export type CheckpointerRequest = 'checkpoint' | 'stop';
