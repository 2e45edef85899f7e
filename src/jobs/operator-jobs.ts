/**
 * The daemon's scheduled jobs, built from `jobs.*` in the configuration. A schedule left empty
 * switches its job off. Each job runs through the scheduler, so never beside itself and never
 * inside a file's transaction.
 */
import type { Config } from '../config/schema.js';
import type { DataLayout } from '../data-layout.js';
import type { Log } from '../log.js';
import type { ReadModel } from '../read-model/read-model.js';
import type { Leadership } from '../store/leadership.js';
import { SqliteStore, type Store } from '../store/store.js';
import { runCheckpoint } from './checkpoint.js';
import { runDailySummary } from './daily-summary.js';
import { runRetention } from './retention.js';
import { Scheduler, type Job, type JobResult } from './scheduler.js';

export interface OperatorJobsOptions {
  /** The live configuration object: jobs read their settings at each run. */
  config: Config;
  layout: DataLayout;
  /** What retention deletes through, each deletion in a transaction of its own (and, on SQLite, the WAL checkpointed). */
  store: Store;
  /** Of several nodes, only the leader runs a scheduled job. */
  leadership?: Leadership;
  /** The ledger as committed, for what retention must keep and the summary reports. */
  read: ReadModel;
  log: Log;
  now: () => Date;
  pendingFiles: () => number;
  /** Jobs of other parts, each with its own schedule (empty: off). */
  extraJobs?: Job[];
  onRun?: (job: string, result: JobResult | 'failed') => void;
}

/** The jobs by name, each with the schedule configured for it (possibly empty). */
export function operatorJobs(options: OperatorJobsOptions): Job[] {
  const { config, layout, store, read, log, now, pendingFiles } = options;
  // The WAL is SQLite's; PostgreSQL checkpoints and vacuums on its own.
  const database = store instanceof SqliteStore ? ({ engine: 'sqlite', db: store.db } as const) : ({ engine: 'postgres' } as const);
  return [
    {
      name: 'retention',
      schedule: config.jobs.retention,
      exclusive: false,
      run: async () => {
        await runRetention({ layout, config: config.retention, store, read, log, now });
      },
    },
    { name: 'checkpoint', schedule: config.jobs.checkpoint, run: () => runCheckpoint({ database, log, pendingFiles }) },
    {
      name: 'summary',
      schedule: config.jobs.summary,
      exclusive: false,
      run: async () => {
        await runDailySummary({ read, log, now });
      },
    },
  ];
}

/** A scheduler with every job whose schedule is not empty; not started yet. */
export function scheduleOperatorJobs(options: OperatorJobsOptions): Scheduler {
  const scheduler = new Scheduler(options.store, options.log, {
    timezone: options.config.jobs.timezone,
    ...(options.leadership ? { leadership: options.leadership } : {}),
    ...(options.onRun ? { onRun: options.onRun } : {}),
  });
  for (const job of [...operatorJobs(options), ...(options.extraJobs ?? [])]) if (job.schedule !== '') scheduler.add(job);
  return scheduler;
}
