/**
 * WAL upkeep: `PRAGMA optimize` refreshes the query planner's statistics, then
 * `wal_checkpoint(TRUNCATE)` folds the write-ahead log back into the database and empties it. Only when the
 * intake is idle: a checkpoint in the middle of a burst would just be redone. SQLite's alone:
 * on PostgreSQL the server checkpoints and autovacuum keeps the statistics, so the job skips.
 */
import type { Log } from '../log.js';
import type { Db } from '../store/database.js';
import type { JobResult } from './scheduler.js';

export interface CheckpointOptions {
  /** The SQLite connection to fold the log of; on PostgreSQL there is nothing to do. */
  database: { engine: 'sqlite'; db: Db } | { engine: 'postgres' };
  log: Log;
  /** Files noticed and not yet taken in hand. */
  pendingFiles: () => number;
}

interface CheckpointRow {
  busy: number;
  log: number;
  checkpointed: number;
}

/** How long the checkpoint may wait for a reader (an operator's CLI) before it gives up. */
const READER_WAIT_MS = 200;

/** Runs under the write lock, so no file's transaction is open on this connection. */
export function runCheckpoint(options: CheckpointOptions): JobResult {
  const { database, log } = options;
  if (database.engine === 'postgres') {
    log.debug('job.checkpoint.skipped', { reason: 'PostgreSQL checkpoints on its own' });
    return 'skipped';
  }
  const { db } = database;
  const pending = options.pendingFiles();
  if (pending > 0) {
    log.debug('job.checkpoint.skipped', { reason: 'files are waiting', pending });
    return 'skipped';
  }
  // Optimize first: it may write statistics, which the checkpoint then folds in too.
  db.pragma('optimize');
  // The checkpoint waits on busy readers with the busy handler, synchronously: keep it short so
  // that a long read elsewhere cannot stall the daemon's event loop.
  const before = db.pragma('busy_timeout', { simple: true }) as number;
  db.pragma(`busy_timeout = ${READER_WAIT_MS}`);
  let row: CheckpointRow | undefined;
  try {
    row = (db.pragma('wal_checkpoint(TRUNCATE)') as CheckpointRow[])[0];
  } finally {
    db.pragma(`busy_timeout = ${before}`);
  }
  log.info('job.checkpoint.done', {
    complete: row?.busy === 0,
    wal_pages: row?.log ?? null,
    checkpointed_pages: row?.checkpointed ?? null,
  });
  return 'ok';
}
