/**
 * The SSH/SFTP listener. Admission (bans, connection caps, the room for connections not logged in
 * yet, the deadlines of the first steps: admission.ts) happens on the raw socket before any SSH
 * byte is sent; then ssh2 takes over. Every connection has an error handler (an unhandled one
 * kills the process) and, once logged in, an idle timer.
 */
import net, { type AddressInfo } from 'node:net';
import ssh2, { type Connection } from 'ssh2';
import type { SftpConfig } from '../config/schema.js';
import type { DataLayout, UploadArea } from '../data-layout.js';
import { uploadLimit } from '../delivery/deliver.js';
import type { Log } from '../log.js';
import { Admissions, type AdmissionCounts } from './admission.js';
import { SERVER_ALGORITHMS } from './algorithms.js';
import { Authenticator, type AccountDirectory } from './authenticator.js';
import { Defender, type BanStore } from './defender.js';
import { LiveLogins, type AccessStates } from './live-logins.js';
import { sweepExpiredPartials } from './partial-sweeper.js';
import { PartnerView } from './partner-view.js';
import type { NameScreen, UploadRefusedHandler } from './refusal.js';
import { SftpSession } from './session.js';
import type { SpaceRefusal } from './spool-quota.js';
import { SpoolQuotas, type SpoolUsage } from './spool-quotas.js';
import { UploadRegistry } from './upload-registry.js';

export interface SftpServerOptions {
  config: SftpConfig;
  hostKey: Buffer;
  layout: DataLayout;
  accounts: AccountDirectory;
  log: Log;
  now: () => Date;
  /** A complete upload has landed in a partner's inbox or validate folder. */
  onDelivered: (partner: string, area: UploadArea, name: string, size: number) => void;
  /** A pending file was removed or renamed by its partner. */
  onChanged: (partner: string, area: UploadArea, name: string) => void;
  /** Delivers an upload over a file of its name still waiting (the intake's `replace`). */
  replacePending?: (partner: string, area: UploadArea, name: string, deliver: () => Promise<void>) => Promise<void>;
  /** An upload was refused before it reached the folder (past the size limit, or for its name). */
  onRefused?: UploadRefusedHandler;
  /** Whether the intake would refuse a file of this name for the name alone (see `PartnerView`). */
  screenName?: NameScreen;
  /** An address was banned after repeated login failures. */
  onBanned?: (address: string, failures: number, until: Date) => void;
  /** Dice of the random early drop, in [0, 1); Math.random unless a test decides them. */
  random?: () => number;
  /** Where bans outlive the process; read at start. */
  bans?: BanStore;
  /** Every partner's access, when it may have changed since the last call (polled every `access_check_ms`). */
  accessChanges?: () => Promise<AccessStates | undefined>;
  /** A partner logged in (its last login is kept for the operators). */
  onLogin?: (partner: string, address: string) => void;
}

export interface SftpStats {
  connections: number;
  /** Connections that have not logged in yet. */
  unauthenticated: number;
  sessions: number;
  bannedAddresses: number;
  /** Since start: failed logins (a bad password or signature, or a connection refused every key it offered) and bans given. */
  failedLogins: number;
  bans: number;
  /** Since start: bans given for connections closed without a login attempt. */
  noauthBans: number;
  /** Since start, and right now: network prefixes banned, accounts' passwords locked out. */
  prefixBans: number;
  bannedPrefixes: number;
  lockouts: number;
  lockedAccounts: number;
  /** Since start: what admission refused, displaced and timed out. */
  admission: AdmissionCounts;
  /** Since start: logged-in connections ended because their access was taken away. */
  revokedLogins: number;
  /** Since start: uploads refused for the spool quota or the disk's floor. */
  uploadRefusals: Record<SpaceRefusal, number>;
  /** Free space on the data folder's disk, as last read. */
  diskFreeBytes: number;
  /** What each partner's spool holds, read from the disk when called. */
  spool: () => Map<string, SpoolUsage>;
}

const MAX_SESSIONS_PER_CONNECTION = 4;

export class SftpServer {
  private readonly listener: net.Server;
  private readonly ssh: ssh2.Server;
  private readonly defender: Defender;
  private readonly registry: UploadRegistry;
  private readonly admissions: Admissions;
  private readonly sessions = new Set<SftpSession>();
  private stopping = false;
  /** Connections that ended refused after offering only public keys (the defender counts the rest). */
  private keyLoginFailures = 0;
  private sweepTimer: NodeJS.Timeout | undefined;
  private accessTimer: NodeJS.Timeout | undefined;
  private readonly logins = new LiveLogins();
  private readonly quotas: SpoolQuotas;

  constructor(private readonly options: SftpServerOptions) {
    const { config, log, now } = options;
    this.defender = new Defender({
      threshold: config.ban_threshold,
      noauthThreshold: config.noauth_ban_threshold,
      prefixThreshold: config.prefix_ban_threshold,
      prefixLengths: { ipv4: config.prefix_length_ipv4, ipv6: config.prefix_length_ipv6 },
      accountThreshold: config.account_lockout_threshold,
      accountLockMs: config.account_lockout_seconds * 1000,
      accountLockMaxMs: config.account_lockout_max_seconds * 1000,
      windowMs: config.ban_window_minutes * 60_000,
      banMs: config.ban_minutes * 60_000,
      now,
      ...(options.bans ? { store: options.bans } : {}),
      onBan: (ban) => {
        const fields = { cause: ban.cause, failures: ban.failures, until: ban.until.toISOString() };
        if (ban.scope === 'address') {
          log.warn('sftp.address_banned', { address: ban.subject, ...fields });
          options.onBanned?.(ban.subject, ban.failures, ban.until);
          this.admissions.dropWaiting(ban.subject);
        } else if (ban.scope === 'prefix') {
          log.warn('sftp.prefix_banned', { prefix: ban.subject, ...fields });
        } else {
          log.warn('sftp.account_locked', { username: ban.subject, strikes: ban.strikes, ...fields });
        }
      },
      onStoreError: (err) => log.error('sftp.ban_not_stored', { error: err instanceof Error ? err.message : String(err) }),
    });
    this.quotas = new SpoolQuotas(options.layout, config, log);
    this.registry = new UploadRegistry(config.recent_upload_seconds * 1000, now);
    this.ssh = new ssh2.Server(
      { hostKeys: [options.hostKey], algorithms: SERVER_ALGORITHMS, ident: 'posdrop' },
      (client, info) => this.onConnection(client, info.ip, info.port, info.header.identRaw),
    );
    this.admissions = new Admissions({
      config,
      defender: this.defender,
      log,
      ...(options.random ? { random: options.random } : {}),
      onAdmitted: (socket) => this.ssh.injectSocket(socket),
    });
    this.listener = net.createServer((socket) => this.admissions.admit(socket));
    this.listener.on('error', (err) => log.error('sftp.listener_error', { error: err.message }));
  }

  /** Starts listening; resolves with the bound address (port 0 picks a free port). */
  async start(): Promise<AddressInfo> {
    await this.defender.load();
    return this.listen();
  }

  private listen(): Promise<AddressInfo> {
    const { host, port, partial_expiry_hours: expiryHours } = this.options.config;
    const sweep = () =>
      void this.sweepPartials().catch((err: unknown) =>
        this.options.log.error('sftp.partial_sweep_failed', { error: err instanceof Error ? err.message : String(err) }),
      );
    sweep();
    this.sweepTimer = setInterval(sweep, Math.min(expiryHours, 1) * 3600_000);
    this.sweepTimer.unref();
    this.watchAccess();
    return new Promise((resolve, reject) => {
      this.listener.once('error', reject);
      this.listener.listen(port, host, () => {
        this.listener.off('error', reject);
        const address = this.listener.address() as AddressInfo;
        this.options.log.info('sftp.listening', { host: address.address, port: address.port });
        resolve(address);
      });
    });
  }

  get address(): AddressInfo | undefined {
    return (this.listener.address() as AddressInfo | null) ?? undefined;
  }

  /** Failed logins and bans per address; the partner API reports its failures here too. */
  get loginDefender(): Defender {
    return this.defender;
  }

  get listening(): boolean {
    return this.listener.listening;
  }

  /** Deletes resumable partials that have not grown for `partial_expiry_hours`. */
  sweepPartials(): Promise<number> {
    const { layout, log, now, config } = this.options;
    return sweepExpiredPartials({ layout, registry: this.registry, expiryMs: config.partial_expiry_hours * 3600_000, now, log });
  }

  stats(): SftpStats {
    return {
      connections: this.admissions.sockets.size,
      unauthenticated: this.admissions.unauthenticated,
      sessions: this.sessions.size,
      bannedAddresses: this.defender.bannedCount,
      failedLogins: this.defender.failuresTotal + this.keyLoginFailures,
      bans: this.defender.bansTotal,
      noauthBans: this.defender.noauthBansTotal,
      prefixBans: this.defender.prefixBansTotal,
      bannedPrefixes: this.defender.bannedPrefixes,
      lockouts: this.defender.lockoutsTotal,
      lockedAccounts: this.defender.lockedAccounts,
      admission: { ...this.admissions.counts },
      revokedLogins: this.logins.revoked,
      uploadRefusals: { ...this.quotas.refusals },
      diskFreeBytes: this.quotas.freeBytes(),
      spool: () => this.quotas.usage(),
    };
  }

  /**
   * Stops accepting, ends every connection (uploads in flight keep their partial for a resume)
   * and waits up to `graceMs` for them to go.
   */
  async stop(graceMs = 3000): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    clearInterval(this.sweepTimer);
    clearTimeout(this.accessTimer);
    this.admissions.stop();
    const { sockets } = this.admissions;
    const closed = new Promise<void>((resolve) => this.listener.close(() => resolve()));
    await Promise.all([...this.sessions].map((session) => session.dispose()));
    for (const socket of sockets) socket.end();
    const deadline = Date.now() + graceMs;
    while (sockets.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    for (const socket of sockets) socket.destroy();
    await closed;
  }

  /**
   * Polls for access taken away by another process (the CLI writes the database) and ends the
   * logins it concerns. One poll at a time; a failed one is logged and the next one tries again.
   */
  private watchAccess(): void {
    const { accessChanges } = this.options;
    if (!accessChanges) return;
    const poll = async () => {
      try {
        const states = await accessChanges();
        if (states) {
          this.logins.apply(states);
          // Another process wrote: bans given elsewhere count here too.
          await this.defender.load();
        }
      } catch (err) {
        this.options.log.error('sftp.access_check_failed', { error: err instanceof Error ? err.message : String(err) });
      }
      if (!this.stopping) this.accessTimer = setTimeout(() => void poll(), this.options.config.access_check_ms).unref();
    };
    void poll();
  }

  private onConnection(client: Connection, address: string, port: number, ident: string): void {
    const { config, log } = this.options;
    client.on('error', (err) => log.debug('sftp.connection_error', { address, error: err.message }));
    // Which client, and what it settled on: the first thing to know when a partner cannot connect.
    client.on('handshake', (negotiated) =>
      log.debug('sftp.handshake', {
        address,
        client: ident,
        kex: negotiated.kex,
        host_key: negotiated.serverHostKey,
        cipher: negotiated.cs.cipher,
        mac: negotiated.cs.mac,
        compression: negotiated.cs.compress,
      }),
    );
    const admission = this.admissions.find(address, port);
    if (!admission) {
      client.end();
      return;
    }
    const end = () => this.admissions.disconnect(admission);

    const auth = new Authenticator({
      accounts: this.options.accounts,
      defender: this.defender,
      address,
      maxAttempts: config.max_auth_attempts,
      failureDelayMs: config.auth_failure_delay_ms,
      log,
      onExhausted: end,
      onKeyLoginFailed: () => {
        this.keyLoginFailures += 1;
      },
      onLogin: (partner) => this.options.onLogin?.(partner, address),
    });
    this.admissions.bannerReceived(admission, client, () => auth.attempted);
    client.on('handshake', () => this.admissions.handshakeDone(admission));
    client.on('authentication', (ctx) => auth.handle(ctx));
    client.on('close', () => auth.ended());
    client.on('ready', () => {
      this.admissions.loggedIn(admission);
      const account = auth.partner;
      if (!account) return end();
      const idle = setTimeout(() => {
        log.info('sftp.idle_timeout', { partner: account.id, address });
        end();
      }, config.idle_timeout_seconds * 1000);
      idle.unref();
      const view = new PartnerView({
        layout: this.options.layout,
        partner: account.id,
        registry: this.registry,
        maxUploadBytes: uploadLimit(account.maxUploadBytes, config.max_upload_bytes),
        now: this.options.now,
        onDelivered: this.options.onDelivered,
        onChanged: this.options.onChanged,
        ...(this.options.replacePending ? { replacePending: this.options.replacePending } : {}),
        ...(this.options.onRefused ? { onRefused: this.options.onRefused } : {}),
        ...(this.options.screenName ? { screenName: this.options.screenName } : {}),
        quota: this.quotas.of(account.id),
      });
      const forget = this.logins.add({
        partner: account.id,
        address,
        version: account.credentialsVersion,
        revoke: () => {
          view.revoke();
          log.warn('sftp.login_revoked', { partner: account.id, address });
          this.admissions.disconnect(admission, true);
        },
      });
      client.on('close', () => {
        clearTimeout(idle);
        forget();
        log.info('sftp.disconnected', { partner: account.id, address });
      });
      const prepared = view.prepare().catch((err: unknown) => {
        log.error('sftp.folders_unavailable', { partner: account.id, error: String(err) });
        end();
      });
      let open = 0;
      client.on('session', (acceptSession, rejectSession) => {
        if (open >= MAX_SESSIONS_PER_CONNECTION) return rejectSession();
        open += 1;
        const session = acceptSession();
        session.on('close', () => (open -= 1));
        session.on('sftp', (acceptSftp) => {
          // Accept at once: OpenSSH sends its INIT right behind the subsystem request.
          const sftp = acceptSftp();
          const sftpSession = new SftpSession({
            sftp,
            partner: account.id,
            view,
            ready: prepared,
            limits: {
              maxOpenHandles: config.max_open_handles,
              maxRequestsInFlight: config.max_requests_in_flight,
              maxWriteBytesInFlight: config.max_write_bytes_in_flight,
            },
            log,
            now: this.options.now,
            onActivity: () => idle.refresh(),
            onAbuse: (reason) => {
              log.warn('sftp.session_cut', { partner: account.id, address, reason });
              this.admissions.disconnect(admission, true);
            },
          });
          this.sessions.add(sftpSession);
          sftp.on('close', () => this.sessions.delete(sftpSession));
        });
      });
    });
  }
}
