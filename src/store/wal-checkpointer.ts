/**
 * Folds the daemon's write-ahead log back into the database from a worker thread, on a connection
 * of its own, so that no COMMIT on the event loop does it. SQLite's automatic checkpoint runs in
 * the COMMIT that takes the log past 1000 pages: copying those pages and the fsync of the database
 * file stalled the loop (SFTP with it) for a quarter of a second beside a 50 MB batch. The daemon's
 * connection turns it off (`wal_autocheckpoint = 0`) and this one runs a PASSIVE checkpoint every
 * `everyMs`: it never waits for the writer nor holds it up, and once the log is folded in whole
 * the writer's next transaction starts it again from the beginning, so it stays small.
 */
import { Worker } from 'node:worker_threads';
import type { CheckpointReply, CheckpointerData, CheckpointerRequest } from './wal-checkpoint-messages.js';
import { workerScript } from '../worker-script.js';

export interface WalCheckpointerOptions {
  /** Milliseconds between two checkpoints. */
  everyMs?: number;
  /** Told when a checkpoint fails (the worker keeps trying at the next turn). */
  onError?: (message: string) => void;
  /** Told when the thread ends without being stopped: the writer's connection must checkpoint again. */
  onLost?: () => void;
}

/** What one checkpoint found: pages in the log, and how many of them are in the database now. */
export interface CheckpointResult {
  walPages: number;
  checkpointedPages: number;
}

export class WalCheckpointer {
  private readonly waiting: ((result: CheckpointResult) => void)[] = [];

  private readonly exited: Promise<unknown>;

  private stopping = false;

  private constructor(private readonly worker: Worker) {
    this.exited = new Promise((resolve) => worker.once('exit', resolve));
  }

  /** Starts the worker on `file`, whose connection in this thread has its automatic checkpoint off. */
  static start(file: string, options: WalCheckpointerOptions = {}): WalCheckpointer {
    const data: CheckpointerData = { file, everyMs: options.everyMs ?? 500 };
    const worker = new Worker(workerScript('./wal-checkpoint-worker.js', import.meta.url), { workerData: data });
    const checkpointer = new WalCheckpointer(worker);
    worker.on('message', (reply: CheckpointReply) => {
      if (reply.kind === 'error') options.onError?.(reply.message);
      else checkpointer.waiting.shift()?.({ walPages: reply.walPages, checkpointedPages: reply.checkpointedPages });
    });
    worker.on('error', (err: Error & { code?: string }) => options.onError?.(err.message || err.code || String(err)));
    worker.on('exit', () => {
      if (!checkpointer.stopping) options.onLost?.();
    });
    return checkpointer;
  }

  /** Runs a checkpoint at once and answers with what it did. */
  now(): Promise<CheckpointResult> {
    return new Promise((resolve) => {
      this.waiting.push(resolve);
      this.worker.postMessage('checkpoint' satisfies CheckpointerRequest);
    });
  }

  /** Stops the worker once the checkpoint it is in (if any) is done, its connection closed. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.worker.postMessage('stop' satisfies CheckpointerRequest);
    await this.exited;
  }
}

