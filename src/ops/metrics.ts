/**
 * Prometheus metrics (prom-client) on a registry of their own. What the ledger knows (files by
 * state, holds) is read from the store at scrape time, so it is right after a restart; what happens
 * (records counted, bytes uploaded, logins failed) is counted as it happens, fed by the events the
 * parts already emit.
 */
import client from 'prom-client';
import { FINAL_STATES } from '../core/file-state.js';
import type { UploadArea } from '../data-layout.js';
import type { SftpStats } from '../sftp/server.js';
import type { ReadModel } from '../read-model/read-model.js';
import type { FileRecord } from '../store/files.js';
import type { NotificationOutbox } from '../store/notifications.js';
import type { StoreEngine } from '../store/store.js';
import { VERSION } from '../version.js';

export interface MetricsSources {
  /** The ledger on a read-only connection: scrapes never wait for, nor see inside, a file's transaction. */
  read: ReadModel;
  /** The webhook outbox as committed. */
  outbox: Pick<NotificationOutbox, 'figures'>;
  /** Which node of the cluster this is, and on which engine. */
  node: { id: string; store: StoreEngine };
  sftpStats: () => SftpStats;
  /** The daemon's clock: hold ages are measured on the clock that stamped the holds. */
  now: () => Date;
}

const LATENCY_BUCKETS = [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600];
/** Bounds the memory of what is remembered per file between two events. */
const MAX_REMEMBERED = 10_000;

export class Metrics {
  readonly registry = new client.Registry();
  private readonly records: client.Counter<'partner' | 'format' | 'outcome'>;
  private readonly uploadBytes: client.Counter<'partner' | 'area'>;
  private readonly uploads: client.Counter<'partner' | 'area'>;
  private readonly latency: client.Histogram<'partner' | 'area'>;
  private readonly jobRuns: client.Counter<'job' | 'result'>;
  private readonly jobSuccess: client.Gauge<'job'>;
  private readonly notificationFailures: client.Counter<'subscription'>;
  private readonly consoleLoginFailures: client.Counter;
  /** Upload close times by `partner/area/name`, until the file's answer is written. */
  private readonly delivered = new Map<string, number>();
  /** Final states already counted, by file id: a file answered again is not counted twice. */
  private readonly counted = new Map<number, string>();
  /** Jobs whose last-success gauge has a value (the start time until they first succeed). */
  private readonly jobsSeen = new Set<string>();

  constructor(private readonly sources: MetricsSources) {
    const registers = [this.registry];
    client.collectDefaultMetrics({ register: this.registry });
    const counter = <L extends string>(name: string, help: string, labelNames: L[]) =>
      new client.Counter<L>({ name, help, labelNames, registers });
    // The outcomes are disjoint (a duplicate is never also failed): they add up to the records read.
    this.records = counter('posdrop_records_total', 'Records of processed files, by outcome (accepted, failed, duplicate)', [
      'partner',
      'format',
      'outcome',
    ]);
    this.uploadBytes = counter('posdrop_upload_bytes_total', 'Bytes of complete uploads delivered into inbox or validate', ['partner', 'area']);
    this.uploads = counter('posdrop_uploads_total', 'Complete uploads delivered into inbox or validate', ['partner', 'area']);
    this.consoleLoginFailures = counter('posdrop_console_login_failures_total', 'Failed logins to the operator console', []);
    this.jobRuns = counter('posdrop_job_runs_total', 'Scheduled job runs, by result (ok, failed, skipped)', ['job', 'result']);
    this.latency = new client.Histogram({
      name: 'posdrop_upload_to_receipt_seconds',
      help: "Time from an upload's close to its final receipt (a dry run's only receipt for validate)",
      labelNames: ['partner', 'area'],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.jobSuccess = new client.Gauge({
      name: 'posdrop_job_last_success_timestamp_seconds',
      help: 'When each job last finished without error (unix time)',
      labelNames: ['job'],
      registers,
    });
    this.notificationFailures = counter('posdrop_notification_attempt_failures_total', 'Webhook attempts that failed (each is retried or dead-lettered), by subscription', [
      'subscription',
    ]);
    new client.Gauge({
      name: 'posdrop_build_info',
      help: 'The posdrop version running (value 1), and the Node.js it runs on',
      labelNames: ['version', 'node'],
      registers,
    }).set({ version: VERSION, node: process.versions.node }, 1);
    new client.Gauge({
      name: 'posdrop_node_info',
      help: 'Which node of the cluster answers (value 1), and the store it shares',
      labelNames: ['node_id', 'store'],
      registers,
    }).set({ node_id: sources.node.id, store: sources.node.store }, 1);
    this.ledgerGauges(registers);
    this.notificationGauges(registers);
    this.sftpGauges(registers);
  }

  /** A webhook attempt failed. */
  notificationFailed(subscription: string): void {
    this.notificationFailures.inc({ subscription });
  }

  /** The webhook outbox by subscription and state, and the age of its oldest pending delivery. */
  private notificationGauges(registers: client.Registry[]): void {
    const { now: clock } = this.sources;
    const { outbox } = this.sources;
    new client.Gauge({
      name: 'posdrop_notifications',
      help: 'Webhook deliveries by subscription and state (pending, delivered, dead)',
      labelNames: ['subscription', 'state'],
      registers,
      async collect() {
        this.reset();
        for (const row of await outbox.figures()) {
          for (const state of ['pending', 'delivered', 'dead'] as const) this.set({ subscription: row.subscription, state }, row[state]);
        }
      },
    });
    new client.Gauge({
      name: 'posdrop_notification_oldest_pending_seconds',
      help: 'Age of the oldest webhook delivery not yet delivered, by subscription (0 when none is pending)',
      labelNames: ['subscription'],
      registers,
      async collect() {
        this.reset();
        const now = clock().getTime();
        for (const row of await outbox.figures()) {
          this.set({ subscription: row.subscription }, row.oldestPendingAt ? Math.max(0, (now - Date.parse(row.oldestPendingAt)) / 1000) : 0);
        }
      },
    });
  }


  /**
   * The scheduled jobs, at start (and after a reload): each one's last-success gauge exists from
   * now, set to now, so that `time() - posdrop_job_last_success_timestamp_seconds > …` fires for a
   * job that never succeeds instead of having no series to compare.
   */
  jobsScheduled(jobs: readonly string[], at: Date): void {
    for (const job of jobs) {
      if (this.jobsSeen.has(job)) continue;
      this.jobsSeen.add(job);
      this.jobSuccess.set({ job }, at.getTime() / 1000);
    }
  }

  /** A complete upload landed in a partner's inbox or validate folder. */
  uploadDelivered(partner: string, area: UploadArea, name: string, size: number): void {
    this.uploadBytes.inc({ partner, area }, size);
    this.uploads.inc({ partner, area });
    remember(this.delivered, `${partner}/${area}/${name}`, performance.now());
  }

  /** Every state change of a file (the Answers listener). */
  fileState(file: FileRecord, dryRun: boolean): void {
    const area: UploadArea = dryRun ? 'validate' : 'inbox';
    const key = `${file.partner}/${area}/${file.name}`;
    const closedAt = this.delivered.get(key);
    // A dry run gets one receipt; a real file is answered for good once its state is final.
    if (closedAt !== undefined && (dryRun || FINAL_STATES.has(file.state))) {
      this.latency.observe({ partner: file.partner, area }, (performance.now() - closedAt) / 1000);
      this.delivered.delete(key);
    }
    if (dryRun || !file.counts || !FINAL_STATES.has(file.state)) return;
    if (this.counted.get(file.id) === file.stateChangedAt) return;
    remember(this.counted, file.id, file.stateChangedAt);
    const labels = { partner: file.partner, format: file.format ?? 'none' };
    this.records.inc({ ...labels, outcome: 'accepted' }, file.counts.accepted);
    this.records.inc({ ...labels, outcome: 'failed' }, file.counts.failed);
    this.records.inc({ ...labels, outcome: 'duplicate' }, file.counts.duplicates);
  }

  /** A scheduled job finished (`ok`, `failed`) or did not run (`skipped`). */
  jobRun(job: string, result: 'ok' | 'failed' | 'skipped', at: Date): void {
    this.jobRuns.inc({ job, result });
    if (result !== 'ok') return;
    this.jobsSeen.add(job);
    this.jobSuccess.set({ job }, at.getTime() / 1000);
  }

  /** A failed login to the console. */
  consoleLoginFailed(): void {
    this.consoleLoginFailures.inc();
  }

  /** The text Prometheus scrapes. */
  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }

  private ledgerGauges(registers: client.Registry[]): void {
    const { read, now: clock } = this.sources;
    new client.Gauge({
      name: 'posdrop_files',
      help: 'Files in the ledger, by partner, format and state',
      labelNames: ['partner', 'format', 'state'],
      registers,
      async collect() {
        this.reset();
        for (const row of await read.fileCounts()) this.set({ partner: row.partner, format: row.format, state: row.state }, row.n);
      },
    });
    new client.Gauge({
      name: 'posdrop_held_files',
      help: 'Files held for a missing predecessor, by partner',
      labelNames: ['partner'],
      registers,
      async collect() {
        this.reset();
        for (const row of await read.holdsByPartner()) this.set({ partner: row.partner }, row.n);
      },
    });
    new client.Gauge({
      name: 'posdrop_oldest_hold_age_seconds',
      help: 'Age of the oldest hold, by partner',
      labelNames: ['partner'],
      registers,
      async collect() {
        this.reset();
        const now = clock().getTime();
        for (const row of await read.holdsByPartner()) this.set({ partner: row.partner }, Math.max(0, (now - Date.parse(row.oldest)) / 1000));
      },
    });
  }

  private sftpGauges(registers: client.Registry[]): void {
    const stats = this.sources.sftpStats;
    const gauge = (name: string, help: string, read: (s: SftpStats) => number) =>
      new client.Gauge({ name, help, registers, collect() { this.set(read(stats())); } });
    gauge('posdrop_sftp_sessions', 'SFTP sessions open', (s) => s.sessions);
    gauge('posdrop_sftp_connections', 'SSH connections open (logged in or not)', (s) => s.connections);
    gauge('posdrop_banned_addresses', 'Addresses banned right now after repeated login failures', (s) => s.bannedAddresses);
    const counter = (name: string, help: string, read: (s: SftpStats) => number) => {
      let seen = 0;
      return new client.Counter({
        name,
        help,
        registers,
        collect() {
          const now = read(stats());
          if (now > seen) this.inc(now - seen);
          seen = now;
        },
      });
    };
    counter('posdrop_login_failures_total', 'Failed logins (bad password or signature; a connection whose every key was refused)', (s) => s.failedLogins);
    counter('posdrop_bans_total', 'Addresses banned after repeated login failures', (s) => s.bans);
    gauge('posdrop_sftp_unauthenticated_connections', 'SSH connections not logged in yet', (s) => s.unauthenticated);
    counter('posdrop_sftp_preauth_bans_total', 'Addresses banned after repeated connections closed without a login attempt', (s) => s.noauthBans);
    gauge('posdrop_banned_prefixes', 'Network prefixes banned right now after repeated login failures from their addresses', (s) => s.bannedPrefixes);
    gauge('posdrop_locked_accounts', 'Accounts whose password logins are locked out right now', (s) => s.lockedAccounts);
    counter('posdrop_prefix_bans_total', 'Network prefixes banned after repeated login failures from their addresses', (s) => s.prefixBans);
    counter('posdrop_account_lockouts_total', "Lock-outs of an account's password logins after repeated failures", (s) => s.lockouts);
    const spoolGauge = (name: string, help: string, read: (usage: { bytes: number; files: number }) => number) =>
      new client.Gauge({
        name,
        help,
        labelNames: ['partner'],
        registers,
        collect() {
          this.reset();
          for (const [partner, usage] of stats().spool()) this.set({ partner }, read(usage));
        },
      });
    spoolGauge('posdrop_spool_bytes', 'Bytes of unfinished uploads and files under temporary names, by partner (sftp.spool_quota_bytes)', (u) => u.bytes);
    spoolGauge('posdrop_spool_files', 'Unfinished uploads and files under temporary names, by partner (sftp.spool_quota_files)', (u) => u.files);
    gauge('posdrop_disk_free_bytes', "Free space on the data folder's disk (uploads are refused below sftp.min_free_disk_bytes)", (s) => s.diskFreeBytes);
    counter('posdrop_sftp_logins_revoked_total', 'Logged-in connections ended because their access was taken away', (s) => s.revokedLogins);
    this.admissionCounters(registers);
  }

  /** What admission refused before login, by how (`random`, `full`, `displaced`), and the deadlines missed. */
  private admissionCounters(registers: client.Registry[]): void {
    const stats = this.sources.sftpStats;
    const seen = new Map<string, number>();
    const labelled = <L extends string>(name: string, help: string, label: L, read: (s: SftpStats) => Record<string, number>) =>
      new client.Counter<L>({
        name,
        help,
        labelNames: [label],
        registers,
        collect() {
          for (const [value, now] of Object.entries(read(stats()))) {
            const key = `${name} ${value}`;
            const before = seen.get(key) ?? 0;
            // inc(0) makes the series appear at 0, so alerts on it need no absent() guard.
            this.inc({ [label]: value } as Partial<Record<L, string>>, Math.max(0, now - before));
            seen.set(key, now);
          }
        },
      });
    labelled('posdrop_sftp_early_drops_total', 'Connections refused or displaced before login to keep room for logins', 'how', (s) => ({
      random: s.admission.earlyDrops,
      full: s.admission.refusedFull,
      displaced: s.admission.displaced,
    }));
    labelled('posdrop_upload_refusals_total', 'Uploads refused for the spool quota (bytes, files) or the disk floor', 'reason', (s) => ({
      ...s.uploadRefusals,
    }));
    labelled('posdrop_sftp_handshake_timeouts_total', 'Connections closed for a missing version string or unfinished key exchange', 'step', (s) => ({
      banner: s.admission.bannerTimeouts,
      key_exchange: s.admission.handshakeTimeouts,
    }));
  }
}

function remember<K, V>(map: Map<K, V>, key: K, value: V): void {
  map.delete(key);
  map.set(key, value);
  if (map.size > MAX_REMEMBERED) {
    const oldest = map.keys().next();
    if (!oldest.done) map.delete(oldest.value);
  }
}
