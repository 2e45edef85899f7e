/**
 * The SSH/SFTP listener. Admission (bans, connection caps) happens on the raw socket before any
 * SSH byte is sent; then ssh2 takes over. Every connection has an error handler (an unhandled
 * one kills the process), a login grace timer and, once logged in, an idle timer.
 */
import net, { type AddressInfo, type Socket } from 'node:net';
import ssh2, { type Connection } from 'ssh2';
import type { SftpConfig } from '../config/schema.js';
import type { DataLayout, UploadArea } from '../data-layout.js';
import { uploadLimit } from '../delivery/deliver.js';
import type { Log } from '../log.js';
import { SERVER_ALGORITHMS } from './algorithms.js';
import { Authenticator, type AccountDirectory } from './authenticator.js';
import { Defender } from './defender.js';
import { sweepExpiredPartials } from './partial-sweeper.js';
import { PartnerView } from './partner-view.js';
import { SftpSession } from './session.js';
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
  /** An upload was refused before it was complete (past the size limit). */
  onRefused?: (partner: string, area: UploadArea, name: string, size: number, reason: string) => void;
  /** An address was banned after repeated login failures. */
  onBanned?: (address: string, failures: number, until: Date) => void;
}

export interface SftpStats {
  connections: number;
  sessions: number;
  bannedAddresses: number;
  /** Since start: failed logins (a bad password or signature, or a connection refused every key it offered) and bans given. */
  failedLogins: number;
  bans: number;
}

const MAX_SESSIONS_PER_CONNECTION = 4;
/** How long a client told to go may take to close its side before its socket is destroyed. */
const DISCONNECT_GRACE_MS = 2000;

/** One admitted TCP connection, from before its first SSH byte until it closes. */
interface Admission {
  socket: Socket;
  address: string;
  /** Cleared once the client has logged in. */
  loginTimer: NodeJS.Timeout;
  client?: Connection;
}

export class SftpServer {
  private readonly listener: net.Server;
  private readonly ssh: ssh2.Server;
  private readonly defender: Defender;
  private readonly registry: UploadRegistry;
  private readonly sockets = new Set<Socket>();
  /** By `address:port`, which is how ssh2 names the connection it hands over. */
  private readonly admissions = new Map<string, Admission>();
  private readonly perAddress = new Map<string, number>();
  private readonly sessions = new Set<SftpSession>();
  private stopping = false;
  /** Connections that ended refused after offering only public keys (the defender counts the rest). */
  private keyLoginFailures = 0;
  private sweepTimer: NodeJS.Timeout | undefined;

  constructor(private readonly options: SftpServerOptions) {
    const { config, log, now } = options;
    this.defender = new Defender({
      threshold: config.ban_threshold,
      windowMs: config.ban_window_minutes * 60_000,
      banMs: config.ban_minutes * 60_000,
      now,
      onBan: (address, failures, until) => {
        log.warn('sftp.address_banned', { address, failures, until: new Date(until).toISOString() });
        options.onBanned?.(address, failures, new Date(until));
      },
    });
    this.registry = new UploadRegistry(config.recent_upload_seconds * 1000, now);
    this.ssh = new ssh2.Server(
      { hostKeys: [options.hostKey], algorithms: SERVER_ALGORITHMS, ident: 'posdrop' },
      (client, info) => this.onConnection(client, info.ip, info.port, info.header.identRaw),
    );
    this.listener = net.createServer((socket) => this.admit(socket));
    this.listener.on('error', (err) => log.error('sftp.listener_error', { error: err.message }));
  }

  /** Starts listening; resolves with the bound address (port 0 picks a free port). */
  start(): Promise<AddressInfo> {
    const { host, port, partial_expiry_hours: expiryHours } = this.options.config;
    const sweep = () =>
      void this.sweepPartials().catch((err: unknown) =>
        this.options.log.error('sftp.partial_sweep_failed', { error: err instanceof Error ? err.message : String(err) }),
      );
    sweep();
    this.sweepTimer = setInterval(sweep, Math.min(expiryHours, 1) * 3600_000);
    this.sweepTimer.unref();
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
      connections: this.sockets.size,
      sessions: this.sessions.size,
      bannedAddresses: this.defender.bannedCount,
      failedLogins: this.defender.failuresTotal + this.keyLoginFailures,
      bans: this.defender.bansTotal,
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
    const closed = new Promise<void>((resolve) => this.listener.close(() => resolve()));
    await Promise.all([...this.sessions].map((session) => session.dispose()));
    for (const socket of this.sockets) socket.end();
    const deadline = Date.now() + graceMs;
    while (this.sockets.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    for (const socket of this.sockets) socket.destroy();
    await closed;
  }

  private admit(socket: Socket): void {
    const address = socket.remoteAddress ?? 'unknown';
    const { config, log } = this.options;
    const refuse = (reason: string) => {
      log.warn('sftp.connection_refused', { address, reason });
      socket.destroy();
    };
    socket.on('error', () => undefined); // reported through ssh2 or simply closed
    if (this.stopping) return refuse('shutting down');
    if (this.defender.isBanned(address)) return refuse('address banned after repeated login failures');
    if (this.sockets.size >= config.max_connections) return refuse('too many connections');
    const fromAddress = this.perAddress.get(address) ?? 0;
    if (fromAddress >= config.max_connections_per_address) return refuse('too many connections from this address');
    this.sockets.add(socket);
    this.perAddress.set(address, fromAddress + 1);
    // SFTP is request and reply: a reply held back by Nagle's algorithm waits for the client's
    // delayed ACK. OpenSSH's sftp puts 25% more small files a second with it off.
    socket.setNoDelay(true);
    // The grace timer starts with the TCP connection, not with ssh2's "connection" (which waits
    // for the client's banner): a client that never says a word must not keep its slot.
    const key = `${address}:${socket.remotePort}`;
    const admission: Admission = {
      socket,
      address,
      loginTimer: setTimeout(() => {
        log.warn('sftp.login_timeout', { address });
        this.disconnect(admission);
      }, config.login_grace_seconds * 1000),
    };
    admission.loginTimer.unref();
    this.admissions.set(key, admission);
    socket.once('close', () => {
      clearTimeout(admission.loginTimer);
      this.admissions.delete(key);
      this.sockets.delete(socket);
      const left = (this.perAddress.get(address) ?? 1) - 1;
      if (left > 0) this.perAddress.set(address, left);
      else this.perAddress.delete(address);
    });
    this.ssh.injectSocket(socket);
  }

  /**
   * Says goodbye over SSH when there is a client to say it to, then makes sure the socket goes
   * even if the other side never closes its half.
   */
  private disconnect(admission: Admission, now = false): void {
    const { socket, client } = admission;
    if (client && !now) {
      client.end();
      setTimeout(() => socket.destroy(), DISCONNECT_GRACE_MS).unref();
    } else {
      socket.destroy();
    }
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
    const admission = this.admissions.get(`${address}:${port}`);
    if (!admission) {
      client.end();
      return;
    }
    admission.client = client;
    const end = () => this.disconnect(admission);

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
    });
    client.on('authentication', (ctx) => auth.handle(ctx));
    client.on('close', () => auth.ended());
    client.on('ready', () => {
      clearTimeout(admission.loginTimer);
      const account = auth.partner;
      if (!account) return end();
      const idle = setTimeout(() => {
        log.info('sftp.idle_timeout', { partner: account.id, address });
        end();
      }, config.idle_timeout_seconds * 1000);
      idle.unref();
      client.on('close', () => {
        clearTimeout(idle);
        log.info('sftp.disconnected', { partner: account.id, address });
      });
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
              this.disconnect(admission, true);
            },
          });
          this.sessions.add(sftpSession);
          sftp.on('close', () => this.sessions.delete(sftpSession));
        });
      });
    });
  }
}
