/**
 * What an operator watches and what runs on a schedule: metrics, health, the HTTP listener that
 * serves them, and the jobs. Built by the composition root from the running parts; it only
 * listens to them (state changes, upload deliveries, stats) and never drives them.
 */
import type { AddressInfo } from 'node:net';
import type { Config } from '../config/schema.js';
import type { DataLayout, UploadArea } from '../data-layout.js';
import { FINAL_STATES } from '../core/file-state.js';
import type { ConsoleActions, JobRun, LoginDefender } from '../http/console/console-deps.js';
import { ConsoleServer } from '../http/console/console-server.js';
import { OpsServer } from '../http/ops-server.js';
import type { Answers } from '../intake/answers.js';
import type { Intake } from '../intake/intake.js';
import { scheduleOperatorJobs } from '../jobs/operator-jobs.js';
import type { Job, Scheduler } from '../jobs/scheduler.js';
import type { Log } from '../log.js';
import type { SftpServer } from '../sftp/server.js';
import type { FileRecord } from '../store/files.js';
import type { OpenedStore } from '../open-store.js';
import type { ReadModel } from '../read-model/read-model.js';
import { Health, type HealthReport } from './health.js';
import { Metrics } from './metrics.js';

/** How long the console shows a health report before it asks again. */
const HEALTH_REUSE_MS = 10_000;

export interface OperationsParts {
  config: Config;
  layout: DataLayout;
  log: Log;
  now: () => Date;
  /** The store the jobs and the console write through, its committed reads and the jobs' leader. */
  opened: OpenedStore;
  /** This node's name among those sharing the store. */
  node: string;
  intake: Intake;
  sftp: SftpServer;
  answers: Answers;
  /** Jobs of other parts (the sequencer's stale-holds alert), scheduled with the operator jobs. */
  jobs?: Job[];
  /** The console's actions and login defender; without them there is no console. */
  console?: { actions: ConsoleActions; defender: LoginDefender };
}

export class Operations {
  readonly metrics: Metrics;
  readonly health: Health;
  /** The ledger's read model of committed rows (metrics, console), never what a file in hand has written yet. */
  readonly read: ReadModel;
  private http: OpsServer | undefined;
  private scheduler: Scheduler | undefined;
  private stopping = false;
  private inHand: FileRecord | undefined;
  private readonly console: ConsoleServer | undefined;
  private readonly jobRuns = new Map<string, JobRun>();
  private lastHealth: { at: number; report: HealthReport } | undefined;
  private healthProbe: Promise<HealthReport> | undefined;

  constructor(private readonly parts: OperationsParts) {
    const { opened, node, intake, sftp, answers, now } = parts;
    this.read = opened.read;
    this.metrics = new Metrics({
      read: this.read,
      outbox: opened.committed.notifications,
      node: { id: node, store: opened.store.engine },
      sftpStats: () => sftp.stats(),
      now,
    });
    this.health = new Health({
      store: opened.store,
      writing: () => opened.writing(),
      now,
      sftpListening: () => sftp.listening,
      watchStatus: () => intake.watchStatus,
      rescanSeconds: () => parts.config.intake.rescan_seconds,
      stopping: () => this.stopping,
    });
    this.console = parts.console && parts.config.console.enabled ? this.buildConsole(parts.console) : undefined;
    answers.onState((file, dryRun) => {
      this.metrics.fileState(file, dryRun);
      if (dryRun) return;
      this.track(file);
      this.console?.live.fileChanged(file);
    });
  }

  /** The file whose transaction is open right now, if any. */
  get fileInHand(): FileRecord | undefined {
    return this.inHand;
  }

  /** The operator console, unless `console.enabled` is off (the partner API listener may serve it too). */
  get consoleServer(): ConsoleServer | undefined {
    return this.console;
  }

  get httpAddress(): AddressInfo | undefined {
    return this.http?.address;
  }

  /** An upload path delivered a complete file. */
  uploadDelivered(partner: string, area: UploadArea, name: string, size: number): void {
    this.metrics.uploadDelivered(partner, area, name, size);
  }

  async start(): Promise<void> {
    await this.console?.start();
    await this.startHttp();
    this.startJobs();
  }

  /** After a reload wrote new values into the configuration: restart what reads them once. */
  async configChanged(keys: readonly string[]): Promise<void> {
    if (keys.some((key) => key.startsWith('http.'))) {
      await this.http?.stop();
      this.http = undefined;
      await this.startHttp();
    }
    if (keys.some((key) => key.startsWith('jobs.'))) {
      await this.scheduler?.stop();
      this.startJobs();
    }
  }

  /** Stops the jobs (waiting for one in hand) and the listener. Idempotent. */
  async stop(): Promise<void> {
    this.stopping = true;
    await this.scheduler?.stop();
    this.scheduler = undefined;
    this.console?.live.close();
    await this.http?.stop();
    this.http = undefined;
    await this.console?.stop();
  }

  private async startHttp(): Promise<void> {
    const { config, log } = this.parts;
    if (!config.http.enabled) return;
    const server = new OpsServer(config.http, this.health, this.metrics, log, this.console);
    await server.start();
    this.http = server;
  }

  private startJobs(): void {
    const { config, layout, opened, log, now, intake } = this.parts;
    this.scheduler = scheduleOperatorJobs({
      config,
      layout,
      store: opened.store,
      leadership: opened.leadership,
      read: this.read,
      log,
      now,
      pendingFiles: () => intake.pending,
      extraJobs: this.parts.jobs ?? [],
      onRun: (job, result) => {
        this.metrics.jobRun(job, result, now());
        this.jobRuns.set(job, { job, result, at: now().toISOString() });
      },
    });
    this.scheduler.start();
    this.metrics.jobsScheduled(this.scheduler.jobs, now());
  }

  /** The console on this listener: reads what is committed, writes through the store. */
  private buildConsole(given: NonNullable<OperationsParts['console']>): ConsoleServer {
    const { config, layout, log, now, opened } = this.parts;
    const { store } = opened;
    const reader = opened.committed.operators;
    return new ConsoleServer({
      config: config.console,
      layout,
      read: this.read,
      actions: given.actions,
      defender: given.defender,
      accounts: {
        get: (name) => reader.get(name),
        actions: (limit) => reader.actions(limit),
        loggedIn: (name) => store.transaction((tx) => tx.operators.loggedIn(name)),
        recordAction: async (action) => {
          await store.transaction((tx) => tx.operators.recordAction(action));
        },
      },
      health: () => this.recentHealth(),
      jobRuns: () => [...this.jobRuns.values()].sort((a, b) => a.job.localeCompare(b.job)),
      log,
      now,
      onLoginFailure: () => this.metrics.consoleLoginFailed(),
      // The partner API listener's proxy, once the console is served there too.
      trustedProxy: () => (config.api.console ? config.api.trusted_proxy : ''),
    });
  }

  /**
   * The health report for a page: a fresh probe at most every HEALTH_REUSE_MS, else the last one.
   * A probe's write waits for the file in hand (up to 3 s during a large file); a page should not.
   */
  private recentHealth(): Promise<HealthReport> {
    const last = this.lastHealth;
    if (!last || performance.now() - last.at > HEALTH_REUSE_MS) {
      this.healthProbe ??= this.health
        .report()
        .then((report) => {
          this.lastHealth = { at: performance.now(), report };
          return report;
        })
        .finally(() => (this.healthProbe = undefined));
    }
    return last ? Promise.resolve(last.report) : (this.healthProbe as Promise<HealthReport>);
  }

  private track(file: FileRecord): void {
    if (file.state === 'processing') this.inHand = file;
    else if (this.inHand?.id === file.id && (FINAL_STATES.has(file.state) || file.state === 'queued')) this.inHand = undefined;
  }
}
