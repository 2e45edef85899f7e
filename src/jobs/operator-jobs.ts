/**
 * The daemon's scheduled jobs, built from `jobs.*` in the configuration. A schedule left empty
 * switches its job off. Each job runs through the scheduler, so never beside itself and never
 * inside a file's transaction.
 */
import type { Config } from '../config/schema.js';
import type { DataLayout } from '../data-layout.js';
import type { Log } from '../log.js';
import type { Db } from '../store/database.js';
import type { WriteLock } from '../store/write-lock.js';
import { runCheckpoint } from './checkpoint.js';
import { runDailySummary } from './daily-summary.js';
import { runRetention } from './retention.js';
import { Scheduler, type Job, type JobResult } from './scheduler.js';

export interface OperatorJobsOptions {
  /** The live configuration object: jobs read their settings at each run. */
  config: Config;
  layout: DataLayout;
  db: Db;
  lock: WriteLock;
  log: Log;
  now: () => Date;
  pendingFiles: () => number;
  /** Jobs of other parts, each with its own schedule (empty: off). */
  extraJobs?: Job[];
  onRun?: (job: string, result: JobResult | 'failed') => void;
}

/** The jobs by name, each with the schedule configured for it (possibly empty). */
export function operatorJobs(options: OperatorJobsOptions): Job[] {
  const { config, layout, db, log, now, pendingFiles } = options;
  return [
    {
      name: 'retention',
      schedule: config.jobs.retention,
      run: async () => {
        await runRetention({ layout, config: config.retention, db, log, now });
      },
    },
    { name: 'checkpoint', schedule: config.jobs.checkpoint, run: () => runCheckpoint({ db, log, pendingFiles }) },
    {
      name: 'summary',
      schedule: config.jobs.summary,
      run: async () => {
        await runDailySummary({ db, log, now });
      },
    },
  ];
}

/** A scheduler with every job whose schedule is not empty; not started yet. */
export function scheduleOperatorJobs(options: OperatorJobsOptions): Scheduler {
  const scheduler = new Scheduler(options.lock, options.log, {
    timezone: options.config.jobs.timezone,
    ...(options.onRun ? { onRun: options.onRun } : {}),
  });
  for (const job of [...operatorJobs(options), ...(options.extraJobs ?? [])]) if (job.schedule !== '') scheduler.add(job);
  return scheduler;
}
