/**
 * Scheduled jobs (node-cron). A job never overlaps itself, and never runs while a file's
 * transaction is open: it waits for the write lock like every other writer of the daemon, or,
 * when it writes only through `store.transaction` (which takes the lock for each transaction),
 * it runs outside the lock and each of its writes waits there instead.
 */
import cron, { type ScheduledTask } from 'node-cron';
import { errorMessage } from '../core/errors.js';
import type { Log } from '../log.js';
import type { Leadership } from '../store/leadership.js';

export interface Job {
  /** `retention`, `stale-holds`, … — used in log events `job.<name>.*`. */
  name: string;
  /** A cron expression (node-cron syntax, seconds optional). */
  schedule: string;
  /** Resolves `'skipped'` when there was nothing it could do now (e.g. not idle). */
  run(): Promise<JobResult | void> | JobResult | void;
  /**
   * False for a job that only reads or writes through `store.transaction`: holding the write
   * lock around its run would make its first transaction wait for the run itself. Default true.
   */
  exclusive?: boolean;
}

export type JobResult = 'ok' | 'skipped';

export interface SchedulerOptions {
  /** The time zone schedules are read in (default: the system's). */
  timezone?: string;
  /** Hears every run's outcome (metrics). */
  onRun?: (job: string, result: JobResult | 'failed') => void;
  /** Whether this node runs the cluster's scheduled jobs now (one node of several does). */
  leadership?: Leadership;
}

export class Scheduler {
  private readonly tasks: ScheduledTask[] = [];
  private readonly names: string[] = [];
  private readonly running = new Map<string, Promise<void>>();

  constructor(
    /** Where a job waits until no transaction of this process is open (the write lock on SQLite). */
    private readonly lock: { exclusive<T>(work: () => Promise<T>): Promise<T> },
    private readonly log: Log,
    private readonly options: SchedulerOptions = {},
  ) {}

  /** Validates the schedule at once, so a bad one stops the start with its name. */
  add(job: Job): void {
    if (!cron.validate(job.schedule)) throw new Error(`job ${job.name}: "${job.schedule}" is not a valid cron schedule`);
    const task = cron.createTask(job.schedule, () => this.scheduled(job), {
      name: job.name,
      noOverlap: true,
      unref: true,
      ...(this.options.timezone ? { timezone: this.options.timezone } : {}),
    });
    this.tasks.push(task);
    this.names.push(job.name);
  }

  start(): void {
    for (const task of this.tasks) void task.start();
  }

  /** The names of the jobs on a schedule. */
  get jobs(): string[] {
    return [...this.names];
  }

  /** Runs `job` now unless it is still running; resolves when it is done. */
  runNow(job: Job): Promise<void> {
    const current = this.running.get(job.name);
    if (current) return current;
    const run = (job.exclusive === false ? Promise.resolve().then(() => job.run()) : this.lock.exclusive(async () => job.run()))
      .then((result) => this.options.onRun?.(job.name, result ?? 'ok'))
      .catch((err: unknown) => {
        this.log.error(`job.${job.name}.failed`, { error: errorMessage(err) });
        this.options.onRun?.(job.name, 'failed');
      })
      .finally(() => this.running.delete(job.name));
    this.running.set(job.name, run);
    return run;
  }

  /** A scheduled run: only the leader's; another node's tick is skipped. */
  private async scheduled(job: Job): Promise<void> {
    const leadership = this.options.leadership;
    if (leadership && !(await leadership.isLeader().catch(() => false))) {
      this.log.debug(`job.${job.name}.not_leader`);
      this.options.onRun?.(job.name, 'skipped');
      return;
    }
    await this.runNow(job);
  }

  /** Ends the schedules for good and waits for jobs in hand. */
  async stop(): Promise<void> {
    for (const task of this.tasks.splice(0)) await task.destroy();
    await Promise.all(this.running.values());
  }
}
