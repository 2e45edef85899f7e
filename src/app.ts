/**
 * The composition root: the only module that knows every part. It builds them with explicit
 * dependencies, starts them in order, and stops them in reverse, each in its own try/catch.
 */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import type { Config } from './config/schema.js';
import { systemClock, type Clock } from './core/clock.js';
import { errorMessage } from './core/errors.js';
import { DataLayout } from './data-layout.js';
import { ensureDemoPartner, type DemoCredentials } from './demo-partner.js';
import { builtInFormat } from './formats/registry.js';
import { ensurePartnerFolders } from './fs/partner-folders.js';
import { Answers } from './intake/answers.js';
import { Intake } from './intake/intake.js';
import { Scheduler } from './jobs/scheduler.js';
import { StaleHoldsJob } from './jobs/stale-holds.js';
import { createLog, type Log } from './log.js';
import { Outbox } from './outbox/outbox.js';
import { Pipeline } from './pipeline/pipeline.js';
import type { Account } from './sftp/authenticator.js';
import { loadOrCreateHostKey } from './sftp/host-key.js';
import { SftpServer } from './sftp/server.js';
import { openDatabase, type Db } from './store/database.js';
import { FileLedger } from './store/files.js';
import { RecordErrorStore } from './store/record-errors.js';
import { SequenceStore } from './store/sequences.js';
import { PartnerStore } from './store/partners.js';
import { WriteLock } from './store/write-lock.js';

export interface AppOptions {
  config: Config;
  log?: Log;
  clock?: Clock;
}

export interface Started {
  sftp: AddressInfo;
  /** Set on the first start with the demo partner enabled: show it once. */
  demo?: DemoCredentials | undefined;
}

interface Parts {
  db: Db;
  lock: WriteLock;
  files: FileLedger;
  partners: PartnerStore;
  intake: Intake;
  sftp: SftpServer;
  scheduler: Scheduler;
}

export class App {
  readonly layout: DataLayout;
  readonly log: Log;
  private readonly clock: Clock;
  private parts: Parts | undefined;
  private stopping: Promise<void> | undefined;

  constructor(private readonly options: AppOptions) {
    this.layout = new DataLayout(options.config.data_dir);
    this.log = options.log ?? createLog({ level: options.config.log.level });
    this.clock = options.clock ?? systemClock;
  }

  async start(): Promise<Started> {
    const { config } = this.options;
    const { layout, log } = this;
    const now = () => this.clock.now();
    await mkdir(layout.root, { recursive: true, mode: 0o750 });

    const db = openDatabase(layout.database);
    const lock = new WriteLock(db);
    const partners = new PartnerStore(db, now);
    const files = new FileLedger(db, now);
    const hostKey = await loadOrCreateHostKey(config.sftp.host_key || layout.defaultHostKey, log);
    const demo = config.demo_partner ? await ensureDemoPartner(partners, layout, config.sftp) : undefined;
    if (demo) log.info('partner.demo_created', { partner: demo.username, credentials: demo.file });
    for (const partner of partners.list()) await ensurePartnerFolders(layout, partner.id);

    const answers = new Answers(layout, new Outbox(layout), log, now);
    const recordErrors = new RecordErrorStore(db);
    const onRelease = (file: { partner: string; name: string }) => intake.requeue(file.partner, file.name);
    const pipeline = new Pipeline({ layout, config, db, lock, files, recordErrors, answers, log, now, onRelease });
    const intake = new Intake({ layout, config: config.intake, lock, files, partners, answers, log, now, router: pipeline });
    const sftp = new SftpServer({
      config: config.sftp,
      hostKey,
      layout,
      accounts: { find: (username) => accountOf(partners, username) },
      log,
      now,
      onDelivered: (partner, area, name) => intake.announce(partner, area, name),
    });
    const scheduler = new Scheduler(lock, log);
    const sequences = new SequenceStore(db, now);
    scheduler.add(new StaleHoldsJob({ config: config.sequencer, files, sequences, formats: builtInFormat, log, now }));
    this.parts = { db, lock, files, partners, intake, sftp, scheduler };

    await intake.start();
    scheduler.start();
    const address = await sftp.start();
    await writeFile(
      layout.runtimeFile,
      `${JSON.stringify({ pid: process.pid, started_at: now().toISOString(), sftp: { host: address.address, port: address.port } })}\n`,
    );
    log.info('daemon.ready', { data_dir: layout.root, sftp_host: address.address, sftp_port: address.port });
    return { sftp: address, demo };
  }

  /** The running parts; throws before `start`. */
  get running(): Parts {
    if (!this.parts) throw new Error('posdrop is not started');
    return this.parts;
  }

  /** Stops accepting, finishes the file in hand, closes sessions and the database. Idempotent. */
  stop(): Promise<void> {
    this.stopping ??= this.shutdown();
    return this.stopping;
  }

  private async shutdown(): Promise<void> {
    const parts = this.parts;
    if (!parts) return;
    const step = async (name: string, work: () => unknown) => {
      try {
        await work();
      } catch (err) {
        this.log.error('daemon.stop_step_failed', { step: name, error: errorMessage(err) });
      }
    };
    this.log.info('daemon.stopping', {});
    await step('sftp', () => parts.sftp.stop());
    await step('jobs', () => parts.scheduler.stop());
    await step('intake', () => parts.intake.stop());
    await step('writes', () => parts.lock.idle());
    await step('checkpoint', () => parts.db.pragma('wal_checkpoint(TRUNCATE)'));
    await step('database', () => parts.db.close());
    await step('runtime file', () => rm(this.layout.runtimeFile, { force: true }));
    this.log.info('daemon.stopped', {});
  }
}

function accountOf(partners: PartnerStore, username: string): Account | undefined {
  const partner = partners.get(username);
  if (!partner) return undefined;
  return {
    id: partner.id,
    enabled: partner.enabled,
    passwordHash: partner.passwordHash,
    keys: partners.keys(partner.id),
    maxUploadBytes: partner.maxUploadBytes,
  };
}
