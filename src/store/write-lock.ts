/**
 * The daemon has one connection and one writer. A file is processed inside one transaction that
 * spans many event-loop turns (it streams), so every other write of the daemon waits here for it;
 * otherwise it would silently join, and roll back with, that file's transaction.
 */
import type { Db } from './database.js';

export class WriteLock {
  private tail: Promise<unknown> = Promise.resolve();

  constructor(private readonly db: Db) {}

  /** Runs `work` alone, inside `BEGIN IMMEDIATE … COMMIT`; rolls back if it throws. */
  transaction<T>(work: () => Promise<T> | T): Promise<T> {
    return this.exclusive(async () => {
      this.db.exec('BEGIN IMMEDIATE');
      try {
        const result = await work();
        this.db.exec('COMMIT');
        return result;
      } catch (err) {
        if (this.db.inTransaction) this.db.exec('ROLLBACK');
        throw err;
      }
    });
  }

  /** Runs `work` inside a transaction that is always rolled back: a dry run stores nothing. */
  rolledBack<T>(work: () => Promise<T> | T): Promise<T> {
    return this.exclusive(async () => {
      this.db.exec('BEGIN IMMEDIATE');
      try {
        return await work();
      } finally {
        if (this.db.inTransaction) this.db.exec('ROLLBACK');
      }
    });
  }

  /** Runs `work` when no transaction of this process is open. */
  exclusive<T>(work: () => Promise<T> | T): Promise<T> {
    const run = this.tail.then(work);
    this.tail = run.catch(() => undefined);
    return run;
  }

  /** Resolves when everything queued so far has finished. */
  idle(): Promise<void> {
    return this.tail.then(() => undefined);
  }
}
