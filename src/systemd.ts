/**
 * systemd's notify protocol (`Type=notify`): `READY=1` once the SFTP port listens, `RELOADING=1`
 * around a SIGHUP, `STOPPING=1` on the way out (with `EXTEND_TIMEOUT_USEC`, so that systemd waits
 * as long as posdrop may take), and `WATCHDOG=1` pings when the unit sets `WatchdogSec=`. The
 * messages are datagrams on the unix socket named by `$NOTIFY_SOCKET`.
 *
 * Node has no unix datagram sockets, so this uses `unix-dgram` (a small native module by a Node
 * core maintainer, the one zigbee2mqtt uses for the same purpose). Sending from the daemon's own
 * process is what makes readiness exact: `systemd-notify` run as a child sends from another pid,
 * which systemd only accepts with `NotifyAccess=all` and, before systemd 246, may drop when the
 * child exits before systemd reads the message.
 */
import { createRequire } from 'node:module';
import type { Log } from './log.js';

/** The part of unix-dgram's socket used here. */
interface DatagramSocket {
  send(buf: Buffer, offset: number, length: number, path: string, callback?: (err?: Error) => void): void;
  on(event: 'error', listener: (err: Error) => void): void;
  close(): void;
}

interface UnixDgram {
  createSocket(type: 'unix_dgram'): DatagramSocket;
}

export interface Notifier {
  ready(status: string): void;
  reloading(): void;
  status(text: string): void;
  /**
   * The daemon is stopping and will be gone within `seconds`: systemd waits that long even past
   * the unit's `TimeoutStopSec` (systemd 236 and later) instead of killing it first.
   */
  stopping(seconds: number): void;
  /** Pings the watchdog while `healthy()` holds, when the unit asked for one. */
  startWatchdog(healthy: () => string | undefined): void;
  close(): void;
}

/** What runs outside systemd: every call does nothing. */
export const noNotifier: Notifier = {
  ready: () => undefined,
  reloading: () => undefined,
  status: () => undefined,
  stopping: () => undefined,
  startWatchdog: () => undefined,
  close: () => undefined,
};

/**
 * The notifier for this process: talks to systemd when `$NOTIFY_SOCKET` is set, else does
 * nothing. The variable is removed afterwards so that no child process speaks for the daemon.
 */
export function notifierFromEnv(log: Log, env: NodeJS.ProcessEnv = process.env): Notifier {
  const socketPath = env.NOTIFY_SOCKET;
  if (!socketPath) return noNotifier;
  delete env.NOTIFY_SOCKET;
  if (socketPath.startsWith('@')) {
    log.warn('systemd.notify_unsupported', { socket: socketPath, reason: 'abstract socket names are not supported' });
    return noNotifier;
  }
  let socket: DatagramSocket;
  try {
    const dgram = createRequire(import.meta.url)('unix-dgram') as UnixDgram;
    socket = dgram.createSocket('unix_dgram');
  } catch (err) {
    log.error('systemd.notify_unavailable', {
      reason: 'the optional module unix-dgram is not installed or not built; systemd will not learn that posdrop is ready',
      error: (err as Error).message,
    });
    return noNotifier;
  }
  socket.on('error', (err) => log.warn('systemd.notify_failed', { error: err.message }));
  return new SystemdNotifier(socket, socketPath, log, watchdogIntervalMs(env));
}

/** Half the watchdog period, when the watchdog is meant for this process. */
function watchdogIntervalMs(env: NodeJS.ProcessEnv): number | undefined {
  const usec = Number(env.WATCHDOG_USEC);
  if (!Number.isFinite(usec) || usec <= 0) return undefined;
  if (env.WATCHDOG_PID && Number(env.WATCHDOG_PID) !== process.pid) return undefined;
  return Math.max(1, Math.floor(usec / 2000));
}

class SystemdNotifier implements Notifier {
  private watchdog: NodeJS.Timeout | undefined;
  private lastProblem: string | undefined;

  constructor(
    private readonly socket: DatagramSocket,
    private readonly socketPath: string,
    private readonly log: Log,
    private readonly watchdogMs: number | undefined,
  ) {}

  ready(status: string): void {
    this.send(`READY=1\nSTATUS=${status}\nMAINPID=${process.pid}`);
  }

  reloading(): void {
    // MONOTONIC_USEC lets systemd match this reload to the SIGHUP it sent (Type=notify-reload).
    this.send(`RELOADING=1\nMONOTONIC_USEC=${process.hrtime.bigint() / 1000n}\nSTATUS=reloading configuration`);
  }

  status(text: string): void {
    this.send(`STATUS=${text}`);
  }

  stopping(seconds: number): void {
    const usec = Math.ceil(seconds) * 1_000_000;
    this.send(`STOPPING=1\nEXTEND_TIMEOUT_USEC=${usec}\nSTATUS=stopping: finishing the file in hand`);
  }

  startWatchdog(healthy: () => string | undefined): void {
    if (this.watchdogMs === undefined || this.watchdog) return;
    this.watchdog = setInterval(() => this.ping(healthy()), this.watchdogMs);
    this.watchdog.unref();
    this.ping(healthy());
  }

  close(): void {
    clearInterval(this.watchdog);
    this.watchdog = undefined;
    try {
      this.socket.close();
    } catch {
      // already closed
    }
  }

  /** A missed ping is on purpose: systemd restarts a daemon that stays unhealthy. */
  private ping(problem: string | undefined): void {
    if (problem !== this.lastProblem) {
      if (problem) this.log.error('systemd.watchdog_withheld', { reason: problem });
      else if (this.lastProblem) this.log.info('systemd.watchdog_resumed', {});
      this.lastProblem = problem;
    }
    if (!problem) this.send('WATCHDOG=1');
  }

  private send(message: string): void {
    const buffer = Buffer.from(message);
    try {
      this.socket.send(buffer, 0, buffer.length, this.socketPath, (err) => {
        if (err) this.log.warn('systemd.notify_failed', { message: message.split('\n')[0], error: err.message });
      });
    } catch (err) {
      this.log.warn('systemd.notify_failed', { message: message.split('\n')[0], error: (err as Error).message });
    }
  }
}
