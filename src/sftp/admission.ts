/**
 * Admission of TCP connections, before ssh2 sees a byte: bans, the caps in total and per address,
 * and the separate room for connections that have not logged in yet (startup-gate.ts). Then the
 * deadlines of a connection's first steps, each counted from the TCP connection: its SSH version
 * string (`banner_timeout_seconds`), the key exchange (`handshake_timeout_seconds`) and the whole
 * login (`login_grace_seconds`). A connection that closes without a login attempt is reported to
 * the defender, so one address cannot cycle idle sockets forever.
 */
import type { Socket } from 'node:net';
import type { Connection } from 'ssh2';
import type { SftpConfig } from '../config/schema.js';
import type { Log } from '../log.js';
import type { BanCause, Defender } from './defender.js';
import { RefusalLog } from './refusal-log.js';
import { StartupGate } from './startup-gate.js';

/** How far a connection got: its version string, the key exchange, the login, a session. */
export type Stage = 'banner' | 'handshake' | 'login' | 'session';

/** One admitted TCP connection, from before its first SSH byte until it closes. */
export interface Admission {
  socket: Socket;
  address: string;
  stage: Stage;
  /** When the TCP connection came (performance.now()). */
  startedAt: number;
  /** The deadline of the current first step; then the login grace timer. */
  timer?: NodeJS.Timeout;
  loginTimer: NodeJS.Timeout;
  client?: Connection;
  /** Whether the client tried a password or a key (set once ssh2 hands the connection over). */
  attempted: () => boolean;
  /** Closed by posdrop for a reason that is not the client's doing: not held against its address. */
  excused: boolean;
}

/** What admission counted since start (for metrics). */
export interface AdmissionCounts {
  earlyDrops: number;
  refusedFull: number;
  displaced: number;
  bannerTimeouts: number;
  handshakeTimeouts: number;
}

export interface AdmissionOptions {
  config: SftpConfig;
  defender: Defender;
  log: Log;
  /** Dice of the random early drop, in [0, 1). */
  random?: () => number;
  /** Called for an admitted socket: hand it to ssh2. */
  onAdmitted: (socket: Socket) => void;
}

/** How long a client told to go may take to close its side before its socket is destroyed. */
const DISCONNECT_GRACE_MS = 2000;

const BAN_REASONS: Record<BanCause, string> = {
  login: 'address banned after repeated login failures',
  noauth: 'address banned after repeated connections without a login',
};
const PREFIX_BAN_REASON = 'network banned after repeated login failures';

export class Admissions {
  readonly sockets = new Set<Socket>();
  readonly counts: AdmissionCounts = { earlyDrops: 0, refusedFull: 0, displaced: 0, bannerTimeouts: 0, handshakeTimeouts: 0 };
  /** By `address:port`, which is how ssh2 names the connection it hands over. */
  private readonly byKey = new Map<string, Admission>();
  private readonly perAddress = new Map<string, number>();
  private readonly gate: StartupGate<Admission>;
  private readonly refusals: RefusalLog;
  private stopping = false;

  constructor(private readonly options: AdmissionOptions) {
    const { config } = options;
    this.gate = new StartupGate(
      () => ({ max: config.max_unauthenticated, dropFrom: config.unauthenticated_drop_from, dropPercent: config.unauthenticated_drop_percent }),
      options.random,
    );
    this.refusals = new RefusalLog(options.log, config.refusal_log_seconds * 1000);
  }

  /** Connections that have not logged in yet. */
  get unauthenticated(): number {
    return this.gate.size;
  }

  admit(socket: Socket): void {
    const address = socket.remoteAddress ?? 'unknown';
    const { config, defender } = this.options;
    const refuse = (reason: string) => {
      this.refusals.refused(address, reason);
      socket.destroy();
    };
    socket.on('error', () => undefined); // reported through ssh2 or simply closed
    if (this.stopping) return refuse('shutting down');
    const ban = defender.banOf(address);
    if (ban) return refuse(ban.scope === 'prefix' ? PREFIX_BAN_REASON : BAN_REASONS[ban.cause]);
    if (this.sockets.size >= config.max_connections) return refuse('too many connections');
    const fromAddress = this.perAddress.get(address) ?? 0;
    if (fromAddress >= config.max_connections_per_address) return refuse('too many connections from this address');

    const admission: Admission = {
      socket,
      address,
      stage: 'banner',
      startedAt: performance.now(),
      loginTimer: setTimeout(() => {
        this.options.log.warn('sftp.login_timeout', { address });
        this.disconnect(admission);
      }, config.login_grace_seconds * 1000).unref(),
      attempted: () => false,
      excused: false,
    };
    const verdict = this.gate.enter(admission, address);
    if (!verdict.admit) {
      clearTimeout(admission.loginTimer);
      if (verdict.why === 'early_drop') this.counts.earlyDrops += 1;
      else this.counts.refusedFull += 1;
      return refuse(verdict.why === 'early_drop' ? 'dropped early: many connections waiting to log in' : 'too many connections waiting to log in');
    }
    if (verdict.displaced) {
      this.counts.displaced += 1;
      // Held against its address like any connection closed without a login attempt: only the
      // address with the most connections waiting is displaced, so churning one's own idle
      // sockets through the room leads to a ban rather than going on forever.
      this.refusals.refused(verdict.displaced.address, 'displaced by a connection from a less busy address');
      verdict.displaced.socket.destroy();
    }
    this.track(admission);
    // SFTP is request and reply: a reply held back by Nagle's algorithm waits for the client's
    // delayed ACK. OpenSSH's sftp puts 25% more small files a second with it off.
    socket.setNoDelay(true);
    this.deadline(admission, config.banner_timeout_seconds, 'sftp.banner_timeout', () => (this.counts.bannerTimeouts += 1));
    this.options.onAdmitted(socket);
  }

  /** The admission ssh2 hands over as `address:port`, if it is still open. */
  find(address: string, port: number): Admission | undefined {
    return this.byKey.get(`${address}:${port}`);
  }

  /** The client sent its version string (ssh2's `connection`); the key exchange is next. */
  bannerReceived(admission: Admission, client: Connection, attempted: () => boolean): void {
    admission.client = client;
    admission.attempted = attempted;
    admission.stage = 'handshake';
    this.deadline(admission, this.options.config.handshake_timeout_seconds, 'sftp.handshake_timeout', () => (this.counts.handshakeTimeouts += 1));
  }

  /** The key exchange is done; the login grace timer alone runs on. */
  handshakeDone(admission: Admission): void {
    if (admission.stage !== 'handshake') return; // a later key re-exchange
    admission.stage = 'login';
    clearTimeout(admission.timer);
  }

  /** The client logged in: it leaves the room of connections waiting to. */
  loggedIn(admission: Admission): void {
    admission.stage = 'session';
    clearTimeout(admission.loginTimer);
    this.gate.leave(admission);
  }

  /** An address was just banned: its connections still waiting to log in go now. */
  dropWaiting(address: string): void {
    for (const admission of this.gate.entriesOf(address)) {
      admission.excused = true;
      admission.socket.destroy();
    }
  }

  /**
   * Says goodbye over SSH when there is a client to say it to, then makes sure the socket goes
   * even if the other side never closes its half.
   */
  disconnect(admission: Admission, now = false): void {
    const { socket, client } = admission;
    if (client && !now && admission.stage !== 'banner' && admission.stage !== 'handshake') {
      client.end();
      setTimeout(() => socket.destroy(), DISCONNECT_GRACE_MS).unref();
    } else {
      socket.destroy();
    }
  }

  /** Refuses from now on; logs the refusals still counted. */
  stop(): void {
    this.stopping = true;
    this.refusals.stop();
  }

  private track(admission: Admission): void {
    const { socket, address } = admission;
    const key = `${address}:${socket.remotePort}`;
    this.sockets.add(socket);
    this.perAddress.set(address, (this.perAddress.get(address) ?? 0) + 1);
    this.byKey.set(key, admission);
    socket.once('close', () => {
      clearTimeout(admission.timer);
      clearTimeout(admission.loginTimer);
      this.gate.leave(admission);
      this.byKey.delete(key);
      this.sockets.delete(socket);
      const left = (this.perAddress.get(address) ?? 1) - 1;
      if (left > 0) this.perAddress.set(address, left);
      else this.perAddress.delete(address);
      if (!admission.attempted() && !admission.excused && !this.stopping) this.options.defender.recordNoAuth(address);
    });
  }

  /** Closes the connection unless its current step ends within `seconds` of its TCP connection. */
  private deadline(admission: Admission, seconds: number, event: string, count: () => void): void {
    clearTimeout(admission.timer);
    const left = Math.max(0, seconds * 1000 - (performance.now() - admission.startedAt));
    admission.timer = setTimeout(() => {
      count();
      // One line per connection would be a flood under attack; the metrics count them.
      this.options.log.debug(event, { address: admission.address, stage: admission.stage });
      this.disconnect(admission, true);
    }, left).unref();
  }
}
