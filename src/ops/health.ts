/**
 * `/healthz`: is the database writable, is the SFTP port listening, is the inbox watcher alive.
 * Each check answers with a reason, so that a 503 says what to look at.
 */
import { errorMessage } from '../core/errors.js';
import type { WatchStatus } from '../intake/watcher.js';
import type { Store } from '../store/store.js';

export interface Check {
  ok: boolean;
  detail: string;
}

export interface HealthReport {
  ok: boolean;
  checks: { database: Check; sftp: Check; watcher: Check };
}

export interface HealthSources {
  store: Store;
  /** Whether a transaction of this process is open now (a file's, which the probe waits behind). */
  writing: () => boolean;
  now: () => Date;
  sftpListening: () => boolean;
  watchStatus: () => WatchStatus;
  /** `intake.rescan_seconds`: how often the inboxes are read in full. */
  rescanSeconds: () => number;
  stopping: () => boolean;
}

/**
 * Rescans missed for this many periods make the watcher dead: one late rescan (a slow disk, a
 * large inbox) is no reason for systemd to restart the daemon.
 */
const MISSED_RESCANS = 2;

/** How long a health probe waits for its write to commit. */
const WRITE_WAIT_MS = 3000;

export class Health {
  private probe: Promise<Check> | undefined;

  constructor(private readonly sources: HealthSources) {}

  async report(): Promise<HealthReport> {
    const { sftpListening, stopping } = this.sources;
    const database = stopping() ? { ok: false, detail: 'posdrop is stopping' } : await this.databaseWritable();
    const sftp = sftpListening() ? { ok: true, detail: 'listening' } : { ok: false, detail: 'the SFTP port is not listening' };
    const watcher = this.watcherCheck();
    return { ok: database.ok && sftp.ok && watcher.ok, checks: { database, sftp, watcher } };
  }

  /** The synchronous part, for the systemd watchdog: undefined when healthy, else the reason. */
  liveProblem(): string | undefined {
    if (!this.sources.sftpListening()) return 'the SFTP port is not listening';
    const watcher = this.watcherCheck();
    return watcher.ok ? undefined : watcher.detail;
  }

  private watcherCheck(): Check {
    return watcherCheck(this.sources.watchStatus(), this.sources.now(), this.sources.rescanSeconds());
  }

  /**
   * Commits a heartbeat row. On SQLite a file's transaction may hold the one writer for a while;
   * that is itself proof of writes going through, so waiting is cut short then.
   */
  private databaseWritable(): Promise<Check> {
    this.probe ??= this.writeProbe().finally(() => (this.probe = undefined));
    return this.probe;
  }

  private async writeProbe(): Promise<Check> {
    const { store, writing, now } = this.sources;
    const write = store
      .transaction((tx) => tx.heartbeat.beat(now()))
      .then((): Check => ({ ok: true, detail: 'a write committed' }))
      .catch((err: unknown): Check => ({ ok: false, detail: `a write failed: ${errorMessage(err)}` }));
    let timer: NodeJS.Timeout | undefined;
    const waited = new Promise<undefined>((resolve) => (timer = setTimeout(resolve, WRITE_WAIT_MS, undefined)));
    const result = await Promise.race([write, waited]);
    clearTimeout(timer);
    if (result) return result;
    if (writing()) return { ok: true, detail: "a file's transaction is open; writes are going through" };
    return { ok: false, detail: `a write waited more than ${WRITE_WAIT_MS / 1000} s for the database` };
  }
}

/**
 * The watcher is alive when chokidar runs, no failure of it or of a rescan is left unrecovered,
 * and a rescan has read every inbox within the last MISSED_RESCANS periods.
 */
function watcherCheck(status: WatchStatus, now: Date, rescanSeconds: number): Check {
  if (!status.running) return { ok: false, detail: 'the inbox watcher is not running' };
  if (status.problem) {
    return { ok: false, detail: `${status.problem.message} (at ${status.problem.at.toISOString()}); no rescan has succeeded since` };
  }
  if (!status.lastRescanAt) return { ok: false, detail: 'no rescan of the inboxes has finished yet' };
  const age = Math.round((now.getTime() - status.lastRescanAt.getTime()) / 1000);
  if (age > MISSED_RESCANS * rescanSeconds) {
    return { ok: false, detail: `no rescan of the inboxes has finished for ${age} s (one is due every ${rescanSeconds} s)` };
  }
  return { ok: true, detail: `watching the inboxes; last full rescan ${Math.max(0, age)} s ago` };
}
