/**
 * The composition root: the only module that knows every part. It builds them with explicit
 * dependencies, starts them in order, and stops them in reverse, each in its own try/catch.
 */
import { mkdir, readFile, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { carmaRoutes } from './api/carma-routes.js';
import type { ApiBackend } from './api/context.js';
import { pbjRoutes } from './api/pbj-routes.js';
import { PartnerApiServer } from './api/server.js';
import { RequestSlots } from './api/slots.js';
import { TokenIssuer } from './api/tokens.js';
import { toolboxRoutes } from './api/toolbox-routes.js';
import type { Config } from './config/schema.js';
import type { NotificationEvent } from './core/notification-events.js';
import { fileNameProblem } from './core/safe-name.js';
import { clearDeliverySpools, uploadLimit } from './delivery/deliver.js';
import { systemClock, type Clock } from './core/clock.js';
import { ConfigError, PosdropError, errorMessage } from './core/errors.js';
import { DataLayout } from './data-layout.js';
import { ensureDemoPartner, type DemoCredentials } from './demo-partner.js';
import { builtInFormat, type FormatLookup } from './formats/registry.js';
import { writeFileAtomic } from './fs/durable.js';
import { toolboxOptions } from './formats/clienttoolbox-transactions/options.js';
import { ensurePartnerFolders } from './fs/partner-folders.js';
import { Answers } from './intake/answers.js';
import { Intake } from './intake/intake.js';
import { Unpacker } from './intake/unpack.js';
import { UploadScreen } from './intake/upload-screen.js';
import { KEY_UNREADABLE, pgpKeysFor } from './intake/decrypt.js';
import { StaleHoldsJob } from './jobs/stale-holds.js';
import { daemonActions } from './actions/daemon-actions.js';
import { createLog, type Log } from './log.js';
import { Operations } from './ops/operations.js';
import { applyLive, planReload, type ReloadPlan } from './ops/reload.js';
import { Outbox } from './outbox/outbox.js';
import { ClaimKeeper, nodeIdentity } from './pipeline/claim-keeper.js';
import { NodePresence } from './ops/node-presence.js';
import { Pipeline } from './pipeline/pipeline.js';
import type { Account } from './sftp/authenticator.js';
import { loadOrCreateHostKey } from './sftp/host-key.js';
import { Defender } from './sftp/defender.js';
import { SftpServer } from './sftp/server.js';
import type { Db } from './store/database.js';
import { FileLedger } from './store/files.js';
import { openStore, type OpenedStore } from './open-store.js';
import type { PartnerStore } from './store/partners.js';
import type { PartnerStoreAsync } from './store/partner-store.js';
import { SqliteStore, type Store } from './store/store.js';
import type { WriteLock } from './store/write-lock.js';
import { LoginRecorder } from './ops/login-recorder.js';
import { Deliverer } from './notify/deliverer.js';
import { Notifier } from './notify/notifier.js';
import { privateKeyFingerprint } from './security/public-keys.js';
import { VERSION } from './version.js';

export interface AppOptions {
  config: Config;
  log?: Log;
  clock?: Clock;
  /** The formats and their processors; the built-ins unless a test brings its own. */
  formats?: FormatLookup;
}

export interface Started {
  sftp: AddressInfo;
  /** The metrics and health listener, unless `http.enabled` is off. */
  http?: AddressInfo | undefined;
  /** The partner API listener, unless `api.enabled` is off. */
  api?: AddressInfo | undefined;
  /** Set on the first start with the demo partner enabled: show it once. */
  demo?: DemoCredentials | undefined;
  /** The host key's `SHA256:…` fingerprint, for partners to check on their first connection. */
  hostKeyFingerprint: string;
}

/** The running parts. */
class Parts {
  constructor(
    readonly store: Store,
    readonly opened: OpenedStore,
    readonly intake: Intake,
    readonly sftp: SftpServer,
    readonly ops: Operations,
    readonly deliverer: Deliverer,
    readonly api: PartnerApiServer,
    readonly claims: ClaimKeeper,
    readonly presence: NodePresence,
    private readonly now: () => Date,
  ) {}

  /** The SQLite connection, for a test that looks underneath the store; refused on PostgreSQL. */
  get db(): Db {
    return this.sqlite().db;
  }

  get lock(): WriteLock {
    return this.sqlite().lock;
  }

  /** The synchronous ledger on that connection. */
  get files(): FileLedger {
    return new FileLedger(this.sqlite().db, this.now);
  }

  /** The synchronous partner store on that connection. */
  get partners(): PartnerStore {
    return this.sqlite().partners.sync;
  }

  private sqlite(): SqliteStore {
    if (this.store instanceof SqliteStore) return this.store;
    throw new PosdropError('engine_unsupported', `the SQLite connection was asked for; this store is ${this.store.engine}`);
  }
}

export class App {
  readonly layout: DataLayout;
  readonly log: Log;
  private readonly clock: Clock;
  private parts: Parts | undefined;
  private stopping: Promise<void> | undefined;
  private readonly startedAt: string;
  private hostKeyFingerprint = '';

  constructor(private readonly options: AppOptions) {
    this.layout = DataLayout.of(options.config);
    this.log = options.log ?? createLog({ level: options.config.log.level });
    this.clock = options.clock ?? systemClock;
    this.startedAt = this.clock.now().toISOString();
  }

  async start(): Promise<Started> {
    const { config } = this.options;
    const { layout, log } = this;
    const now = () => this.clock.now();
    await mkdir(layout.root, { recursive: true, mode: 0o750 });
    await mkdir(path.dirname(layout.runtimeFile), { recursive: true, mode: 0o750 }); // a named node's own folder

    const node = nodeIdentity(config.store);
    const notifier = new Notifier(config.notifications, now);
    const opened = await openStore({
      config: config.store,
      sqliteFile: layout.database,
      node: node.id,
      now,
      log,
      observers: { sqlite: (outbox) => notifier.sqliteObserver(outbox), postgres: notifier.postgresObserver },
    });
    const { store } = opened;
    const credentials = store.credentialWatch();
    const logins = new LoginRecorder({ store, now, log });
    const hostKey = await loadOrCreateHostKey(config.sftp.host_key || layout.defaultHostKey, log);
    const hostKeyFingerprint = privateKeyFingerprint(hostKey);
    const demo = config.demo_partner ? await ensureDemoPartner(store, layout, config.sftp) : undefined;
    if (demo) log.info('partner.demo_created', { partner: demo.username, credentials: demo.file });
    for (const partner of await store.partners.list()) await ensurePartnerFolders(layout, partner.id);

    const { formats } = this.options;
    const answers = new Answers(layout, new Outbox(layout), log, now, formats);
    const onRelease = (file: { partner: string; name: string }) => intake.requeue(file.partner, file.name);
    const claims = new ClaimKeeper({ store, node, log, now, onTakenOver: (file) => intake.requeue(file.partner, file.name) });
    const pipeline = new Pipeline({ layout, config, store, node, answers, log, now, onRelease, ...(formats ? { formats } : {}) });
    const unpacker = new Unpacker({
      layout,
      store,
      answers,
      log,
      limits: (partner) => ({
        maxBytes: partner.maxUploadBytes ?? config.sftp.max_upload_bytes,
        maxRatio: config.intake.unpack_max_ratio,
        maxMembers: config.intake.unpack_max_members,
      }),
      pgpKeys: (partner) =>
        pgpKeysFor(config.pgp, partner.id).catch((err: unknown) => {
          log.error('pgp.key_unreadable', { partner: partner.id, error: errorMessage(err) });
          return KEY_UNREADABLE;
        }),
    });
    // what an upload path may refuse by name: the intake's classification, and the names used as committed
    const screen: UploadScreen = new UploadScreen({
      partner: (id) => store.partners.get(id),
      formats: formats ?? builtInFormat,
      nameUsed: (partner, format, name) => opened.committed.names.used(partner, format, name),
      now,
      enabled: () => config.intake.refuse_names_at_upload,
    });
    const intake = new Intake({
      layout,
      config: config.intake,
      store,
      partners: store.partners,
      answers,
      log,
      now,
      router: pipeline,
      unpacker,
      onSettled: (file) =>
        void opened.signals.settled(file.id).catch((err: unknown) => log.warn('cluster.signal_failed', { file_id: file.id, error: errorMessage(err) })),
      ...(formats ? { formats } : {}),
    });
    const sftp = new SftpServer({
      config: config.sftp,
      hostKey,
      layout,
      accounts: { find: (username) => accountOf(store.partners, username) },
      log,
      now,
      onDelivered: (partner, area, name, size) => {
        this.parts?.ops.uploadDelivered(partner, area, name, size);
        intake.announce(partner, area, name);
      },
      onChanged: (partner, area, name) => intake.announce(partner, area, name),
      replacePending: (partner, area, name, deliver) => intake.replace(partner, area, name, deliver),
      onRefused: (partner, area, name, size, { code, message, format }) =>
        intake.refuseUpload(partner, { area, name, size, reason: { code, message }, format }).then(
          () => undefined,
          (err: unknown) => log.error('file.refusal_unanswered', { partner, file: name, error: errorMessage(err) }),
        ),
      screenName: (partner, area, name) => screen.refusal(partner, area, name),
      onBanned: (address, failures, until) => raise('partner.banned', null, { address, failures, until: until.toISOString() }),
      accessChanges: () => credentials.changes(),
      bans: store.bans,
      onLogin: (partner, address) => void logins.loggedIn(partner, 'sftp', address),
    });
    const staleHolds = new StaleHoldsJob({
      config: config.sequencer,
      files: store.ledger,
      sequences: store.sequences,
      formats: formats ?? builtInFormat,
      log,
      now,
      onStale: (partner, fields) => raise('sequence.stale', partner, fields),
    });
    const raise = (event: NotificationEvent, partner: string | null, fields: Record<string, unknown>) => {
      notifier.raise(store, event, partner, fields).then(
        () => deliverer.wake(),
        (err: unknown) => log.error('notification.raise_failed', { event, error: errorMessage(err) }),
      );
    };
    const consoleParts = {
      actions: daemonActions({ config, layout, store, intake, formats: formats ?? builtInFormat, now }),
      // Console logins are throttled per address like SFTP logins, by a Defender of their own.
      defender: new Defender({
        threshold: config.console.max_login_failures,
        noauthThreshold: 0, // a browser that only looks at the login page is no attack
        windowMs: config.console.login_window_minutes * 60_000,
        banMs: config.console.login_ban_minutes * 60_000,
        now,
        onBan: (ban) => log.warn('console.address_banned', { address: ban.subject, failures: ban.failures, until: ban.until.toISOString() }),
      }),
    };
    const ops = new Operations({ config, layout, log, now, opened, node: node.id, intake, sftp, answers, jobs: [staleHolds], console: consoleParts });
    const deliverer = new Deliverer({
      config: config.notifications,
      store,
      leadership: opened.leadership,
      log,
      now,
      onAttemptFailed: (subscription) => ops.metrics.notificationFailed(subscription),
    });
    // a committed state may have raised an event: send it now rather than at the next poll
    answers.onState((_file, dryRun) => dryRun || deliverer.wake());
    const api = await this.partnerApi(store, intake, sftp, logins, ops, screen);
    const presence = new NodePresence({ store, node: node.id, version: VERSION, log, now });
    this.parts = new Parts(store, opened, intake, sftp, ops, deliverer, api, claims, presence, now);

    await claims.start();
    await presence.start();
    await opened.signals.listen((id) => {
      store.ledger.get(id).then(
        (file) => file && intake.settledElsewhere(file),
        (err: unknown) => log.warn('cluster.signal_unread', { file_id: id, error: errorMessage(err) }),
      );
    });
    await intake.start();
    const address = await sftp.start();
    await ops.start();
    deliverer.start();
    await clearDeliverySpools(layout);
    if (config.api.enabled) await api.start();
    this.hostKeyFingerprint = hostKeyFingerprint;
    await this.writeRuntimeFile();
    log.info('daemon.ready', { version: VERSION, data_dir: layout.root, sftp_host: address.address, sftp_port: address.port, host_key: hostKeyFingerprint });
    return { sftp: address, http: ops.httpAddress, api: api.address, demo, hostKeyFingerprint };
  }

  /** The partner API and what it may use of the daemon: accounts, delivery, outcomes, answers. */
  private async partnerApi(
    store: Store,
    intake: Intake,
    sftp: SftpServer,
    logins: LoginRecorder,
    ops: Operations,
    screen: UploadScreen,
  ): Promise<PartnerApiServer> {
    const { config } = this.options;
    const { layout, log } = this;
    const now = () => this.clock.now();
    const partners = store.partners;
    const backend: ApiBackend = {
      accounts: { find: (username) => accountOf(partners, username) },
      defender: sftp.loginDefender,
      partner: (id) => partners.get(id),
      uploadLimit: (partner) => uploadLimit(partner.maxUploadBytes, config.sftp.max_upload_bytes),
      failureDelayMs: () => config.sftp.auth_failure_delay_ms,
      loggedIn: (partner, address) => void logins.loggedIn(partner, 'api', address),
      submit: (file, signal) => intake.submit(file, signal),
      screenName: (partner, name) => screen.refusal(partner, 'inbox', name),
      refuseUpload: (partner, upload) => intake.refuseUpload(partner, { area: 'inbox', via: 'http', ...upload }),
      file: (id) => store.ledger.get(id),
      findFile: (partner, name, sha256) => store.ledger.find(partner, name, sha256),
      outboxText: async (partner, name) => {
        if (fileNameProblem(name)) return undefined;
        return readFile(path.join(layout.areaDir(partner, 'outbox'), name), 'utf8').catch(() => undefined);
      },
      imports: {
        open: (entry) => store.transaction((tx) => tx.apiImports.open(entry)),
        find: (partner, listId, id) => store.apiImports.find(partner, listId, id),
        nextPost: (id) => store.transaction((tx) => tx.apiImports.nextPost(id)),
      },
      toolboxOptions: (partner) => toolboxOptions(config, partner),
    };
    const tokens = new TokenIssuer(
      await TokenIssuer.secretFrom(layout.apiTokenKey),
      () => ({ accessMinutes: config.api.token_minutes, refreshHours: config.api.refresh_token_hours }),
      now,
    );
    const slots = new RequestSlots(() => ({ total: config.api.max_requests, perPartner: config.api.max_requests_per_partner }));
    const ctx = { config: config.api, layout, log, now, backend, slots, tokens };
    const console = () => (config.api.console ? ops.consoleServer : undefined);
    return new PartnerApiServer(ctx, [pbjRoutes, carmaRoutes, toolboxRoutes], () => config.sftp.max_upload_bytes, console);
  }

  /** The running parts; throws before `start`. */
  get running(): Parts {
    if (!this.parts) throw new Error('posdrop is not started');
    return this.parts;
  }

  /**
   * Applies a new, valid configuration: live keys now (see ops/reload.ts), the rest at the next
   * restart. If a live part cannot take the new values (the new HTTP port is taken), everything
   * goes back to the old values and a ConfigError says why.
   */
  async reload(next: Config): Promise<ReloadPlan> {
    const { config } = this.options;
    const { ops } = this.running;
    const plan = planReload(config, next);
    const previous = structuredClone(config);
    applyLive(config, next, plan.live);
    this.log.setLevel(config.log.level);
    try {
      await ops.configChanged(plan.live);
      await this.apiChanged(plan.live);
    } catch (err) {
      applyLive(config, previous, plan.live);
      this.log.setLevel(config.log.level);
      await ops.configChanged(plan.live).catch(() => undefined);
      await this.apiChanged(plan.live).catch(() => undefined);
      throw new ConfigError([`the running daemon cannot take the new values: ${errorMessage(err)}`]);
    }
    await this.writeRuntimeFile();
    return plan;
  }

  /** The partner API listens anew when one of its keys changed (its limits are read live anyway). */
  private async apiChanged(keys: readonly string[]): Promise<void> {
    if (!keys.some((key) => key.startsWith('api.'))) return;
    const { api } = this.running;
    await api.stop();
    if (this.options.config.api.enabled) await api.start();
  }

  /** Why the daemon is not fit to serve right now (the systemd watchdog asks), or undefined. */
  liveProblem(): string | undefined {
    if (!this.parts) return 'not started';
    return this.parts.ops.health.liveProblem();
  }

  /**
   * Where `posdrop status` and the tests find the running daemon. Written whole or not at all: a
   * reader polling for it must never see half of it. Nothing to keep across a power loss.
   */
  private async writeRuntimeFile(): Promise<void> {
    const { sftp, ops } = this.running;
    const address = sftp.address;
    const http = ops.httpAddress;
    const api = this.running.api.address;
    const runtime = {
      pid: process.pid,
      version: VERSION,
      started_at: this.startedAt,
      host_key: this.hostKeyFingerprint,
      sftp: address ? { host: address.address, port: address.port } : null,
      http: http ? { host: http.address, port: http.port } : null,
      api: api ? { host: api.address, port: api.port } : null,
    };
    await writeFileAtomic(this.layout.runtimeFile, `${JSON.stringify(runtime)}\n`, 0o640, false);
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
    await step('partner api', () => parts.api.stop());
    await step('jobs and http', () => parts.ops.stop());
    await step('notifications', () => parts.deliverer.stop());
    await step('sftp', () => parts.sftp.stop());
    await step('intake', () => parts.intake.stop());
    await step('claims', () => parts.claims.stop());
    await step('node row', () => parts.presence.stop());
    await step('writes', () => parts.store.idle());
    await step('database', () => parts.opened.close());
    await step('runtime file', () => rm(this.layout.runtimeFile, { force: true }));
    this.log.info('daemon.stopped', {});
  }
}

/** One query per login attempt: the partner and its keys together. */
async function accountOf(partners: PartnerStoreAsync, username: string): Promise<Account | undefined> {
  const partner = await partners.withKeys(username);
  if (!partner) return undefined;
  return {
    id: partner.id,
    enabled: partner.enabled,
    passwordHash: partner.passwordHash,
    apiKeyHash: partner.apiKeyHash,
    keys: partner.keys,
    maxUploadBytes: partner.maxUploadBytes,
    credentialsVersion: partner.credentialsVersion,
  };
}
