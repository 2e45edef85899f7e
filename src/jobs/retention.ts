/**
 * Retention: originals in `archive/` and files in partners' `outbox/` past their age are deleted;
 * the ledger rows stay (they are what makes a resend recognisable), and so do the record errors
 * unless `retention.record_errors_days` says otherwise.
 */
import { addDays } from 'date-fns/addDays';
import { subDays } from 'date-fns/subDays';
import { lstat, readdir, rm, unlink } from 'node:fs/promises';
import path from 'node:path';
import type { RetentionConfig } from '../config/schema.js';
import { isMissing, namesIn } from '../fs/durable.js';
import type { DataLayout } from '../data-layout.js';
import type { Log } from '../log.js';
import type { ReadModel } from '../read-model/read-model.js';
import type { Store } from '../store/store.js';

export interface RetentionOptions {
  layout: DataLayout;
  /** Read at each run, so a reload applies to the next one. */
  config: RetentionConfig;
  /** Where old record errors and webhook deliveries are deleted, each in a transaction of its own. */
  store: Store;
  /** The ledger as committed: which files are not final yet. */
  read: ReadModel;
  log: Log;
  now: () => Date;
}

export interface RetentionCounts {
  archive_files: number;
  archive_days: number;
  outbox_files: number;
  record_errors: number;
  /** Webhook deliveries delivered or dead-lettered before the outbox cutoff. */
  notifications: number;
}

/**
 * One retention pass. Its deletions in the store each run in a transaction of their own (on
 * SQLite, under the write lock as every writer of the daemon), so it needs no lock around it.
 */
export async function runRetention(options: RetentionOptions): Promise<RetentionCounts> {
  const { config, now, log, store } = options;
  const counts: RetentionCounts = { archive_files: 0, archive_days: 0, outbox_files: 0, record_errors: 0, notifications: 0 };
  if (config.archive_days > 0) await pruneArchive(options, cutoff(now(), config.archive_days), counts);
  if (config.outbox_days > 0) {
    await pruneOutboxes(options, cutoff(now(), config.outbox_days), counts);
    const before = cutoff(now(), config.outbox_days);
    counts.notifications = await store.transaction((tx) => tx.notifications.forget(before));
  }
  if (config.record_errors_days > 0) {
    const before = cutoff(now(), config.record_errors_days);
    counts.record_errors = await store.transaction((tx) => tx.recordErrors.forgetFilesProcessedBefore(before));
  }
  log.info('job.retention.done', { ...counts, archive_keep_days: config.archive_days, outbox_keep_days: config.outbox_days });
  return counts;
}

function cutoff(now: Date, days: number): Date {
  return subDays(now, days);
}

/** `archive/<partner>/<YYYY-MM-DD>/`: a whole day goes once its last moment is past the cutoff. */
async function pruneArchive(options: RetentionOptions, before: Date, counts: RetentionCounts): Promise<void> {
  const root = path.join(options.layout.root, 'archive');
  for (const partner of await folders(root)) {
    for (const day of await folders(path.join(root, partner))) {
      const endOfDay = addDays(Date.parse(`${day}T00:00:00Z`), 1).getTime();
      if (!/^\d{4}-\d{2}-\d{2}$/.test(day) || !(endOfDay <= before.getTime())) continue;
      const dir = path.join(root, partner, day);
      counts.archive_files += (await readdir(dir)).length;
      await rm(dir, { recursive: true, force: true });
      counts.archive_days += 1;
    }
  }
}

/** Outbox files older than the cutoff, except those about a file that is still pending. */
async function pruneOutboxes(options: RetentionOptions, before: Date, counts: RetentionCounts): Promise<void> {
  const { layout, read } = options;
  const pending = await read.unfinishedNames();
  for (const partner of await folders(layout.partnersRoot)) {
    const dir = layout.areaDir(partner, 'outbox');
    const keep = pending.filter((file) => file.partner === partner).map((file) => `${file.name}.`);
    for (const name of await namesIn(dir)) {
      // Dot-names are writes in progress (temporary name + rename).
      if (name.startsWith('.') || keep.some((stem) => name.startsWith(stem))) continue;
      const file = path.join(dir, name);
      const stats = await lstat(file).catch(() => undefined);
      if (!stats?.isFile() || stats.mtimeMs >= before.getTime()) continue;
      await unlink(file).catch((err: unknown) => {
        if (!isMissing(err)) throw err;
      });
      counts.outbox_files += 1;
    }
  }
}

async function folders(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir, { withFileTypes: true })).filter((entry) => entry.isDirectory()).map((entry) => entry.name);
  } catch (err) {
    if (isMissing(err)) return [];
    throw err;
  }
}
