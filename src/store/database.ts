/**
 * Opens the SQLite database with the settings posdrop relies on, and runs the migrations (unless told not to).
 * WAL lets the CLI read while the daemon writes; `synchronous=FULL` keeps the last commit through
 * a power loss (better-sqlite3's default, NORMAL, may lose it).
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { migrate } from './migrate.js';

export type Db = Database.Database;

export interface OpenOptions {
  /** Milliseconds a statement waits for another process's write lock. */
  busyTimeoutMs?: number;
  /**
   * False: open the schema as it stands (the CLI, which is not the daemon and must not change the
   * schema under it; it checks the version with `requireSchema`). Default true: migrate.
   */
  migrate?: boolean;
}

/**
 * How long a command of another process waits for the daemon's write lock when it must not fail
 * for want of it: the daemon holds one transaction for a whole file, many seconds for a 50 MB batch.
 */
export const DAEMON_FILE_WAIT_MS = 120_000;

/** Runs `work` with `busy_timeout` raised to `DAEMON_FILE_WAIT_MS`, and puts it back afterwards. */
export function waitingForTheDaemon<T>(db: Db, work: () => T): T {
  const before = db.pragma('busy_timeout', { simple: true }) as number;
  db.pragma(`busy_timeout = ${DAEMON_FILE_WAIT_MS}`);
  try {
    return work();
  } finally {
    db.pragma(`busy_timeout = ${before}`);
  }
}

export function openDatabase(file: string, options: OpenOptions = {}): Db {
  mkdirSync(path.dirname(file), { recursive: true });
  const db = new Database(file);
  try {
    db.pragma(`busy_timeout = ${options.busyTimeoutMs ?? 10_000}`);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.pragma('foreign_keys = ON');
    // better-sqlite3 builds SQLite with a 16 MB page cache; a 50 MB batch fills it, and it is a
    // tenth of the daemon's memory budget. Pages beyond it come back from the OS cache cheaply.
    db.pragma('cache_size = -4096'); // KiB
    if (options.migrate !== false) migrate(db);
    return db;
  } catch (err) {
    db.close();
    throw err;
  }
}
