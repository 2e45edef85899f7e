/**
 * The daemon as a process: starts the App, tells systemd when the SFTP port listens, and answers
 * signals. SIGTERM/SIGINT stop in order (jobs, SFTP sessions, the file in hand, WAL checkpoint);
 * if the file in hand is not done within `stop_timeout_seconds`, the process exits without
 * committing it, which rolls its transaction back, and the next start processes it again.
 * SIGHUP reloads the configuration: a configuration that does not validate is refused and logged,
 * and the running one stays.
 */
import { App } from '../app.js';
import { loadConfig } from '../config/load.js';
import type { Config } from '../config/schema.js';
import { ConfigError, errorMessage } from '../core/errors.js';
import type { FormatLookup } from '../formats/registry.js';
import { notifierFromEnv, type Notifier } from '../systemd.js';
import { ReloadQueue } from './reload-queue.js';

/**
 * What the way out may take beyond `stop_timeout_seconds`: closing sessions, the WAL checkpoint
 * and flushing the log after the file in hand is done or given up. systemd is told the sum.
 */
const EXIT_MARGIN_SECONDS = 10;

export interface ServiceOptions {
  /** `--config`; else `POSDROP_CONFIG`; else the embedded defaults. */
  configFile?: string | undefined;
  stderr: NodeJS.WritableStream;
  /** The built-in formats unless given (a test harness brings slow ones). */
  formats?: FormatLookup;
}

/** Runs the daemon until a signal stops it; never resolves. */
export async function runService(options: ServiceOptions): Promise<never> {
  const config = loadConfig({ file: options.configFile });
  const app = new App({ config, ...(options.formats ? { formats: options.formats } : {}) });
  const notifier = notifierFromEnv(app.log);
  const service = new Service(app, config, notifier, options.configFile);
  service.listen();
  try {
    const started = await app.start();
    notifier.ready(`SFTP on ${started.sftp.address}:${started.sftp.port}`);
    service.started();
    notifier.startWatchdog(() => app.liveProblem());
    if (started.demo) options.stderr.write(demoBanner(started.demo, started.sftp, started.hostKeyFingerprint));
  } catch (err) {
    app.log.error('daemon.start_failed', { error: errorMessage(err) });
    await app.stop();
    notifier.close();
    await app.log.close();
    throw err;
  }
  return new Promise<never>(() => undefined);
}

class Service {
  private stopping = false;
  private readonly reloads = new ReloadQueue(() => this.reload());

  constructor(
    private readonly app: App,
    private readonly config: Config,
    private readonly notifier: Notifier,
    private readonly configFile: string | undefined,
  ) {}

  listen(): void {
    process.on('SIGTERM', () => this.stop('SIGTERM'));
    process.on('SIGINT', () => this.stop('SIGINT'));
    // Listened to from the first moment: SIGHUP's default action would end the process.
    process.on('SIGHUP', () => void this.reloads.request());
    process.on('uncaughtException', (err) => {
      this.app.log.error('daemon.crashed', { error: errorMessage(err), stack: err.stack });
      void this.app.log.close().finally(() => process.exit(1));
    });
  }

  /** Start-up is done and READY=1 sent: reloads may run. */
  started(): void {
    this.reloads.started();
  }

  private stop(signal: string): void {
    const { app, notifier } = this;
    app.log.info('daemon.signal', { signal });
    if (this.stopping) return;
    this.stopping = true;
    const seconds = this.config.stop_timeout_seconds;
    notifier.stopping(seconds + EXIT_MARGIN_SECONDS);
    const timer = setTimeout(() => {
      const file = this.fileInHand();
      app.log.warn('daemon.stop_timeout', {
        seconds,
        file_in_hand: file ? { partner: file.partner, file: file.name, id: file.id } : null,
        outcome: "the file's transaction is rolled back by exiting; it is processed again at the next start",
      });
      void this.exit(0);
    }, seconds * 1000);
    timer.unref();
    void app.stop().then(() => this.exit(0));
  }

  private fileInHand() {
    try {
      return this.app.running.ops.fileInHand;
    } catch {
      return undefined; // stopped before it started
    }
  }

  private async exit(code: number): Promise<void> {
    this.notifier.close();
    await this.app.log.close();
    process.exit(code);
  }

  private async reload(): Promise<void> {
    const { app, notifier } = this;
    if (this.stopping) return;
    app.log.info('daemon.signal', { signal: 'SIGHUP' });
    notifier.reloading();
    try {
      const next = loadConfig({ file: this.configFile });
      const plan = await app.reload(next);
      app.log.info('config.reloaded', { applied: plan.live, restart_needed: plan.restart });
      if (plan.restart.length > 0) {
        app.log.warn('config.restart_needed', { keys: plan.restart, note: 'these keys keep their old values until posdrop restarts' });
      }
    } catch (err) {
      const problems = err instanceof ConfigError ? err.problems : [errorMessage(err)];
      app.log.error('config.reload_refused', { problems, note: 'the running configuration is kept' });
    } finally {
      notifier.ready('configuration reloaded');
    }
  }
}

function demoBanner(demo: { username: string; password: string; file: string }, sftp: { address: string; port: number }, hostKey: string): string {
  const known = sftp.port === 22 ? sftp.address : `[${sftp.address}]:${sftp.port}`;
  return [
    '',
    '  posdrop created the demo partner. Its password is shown only this once',
    `  (and kept in ${demo.file}):`,
    '',
    `    username: ${demo.username}`,
    `    password: ${demo.password}`,
    `    host key: ${hostKey}`,
    '',
    `    sftp -o StrictHostKeyChecking=accept-new -P ${sftp.port} ${demo.username}@${sftp.address}`,
    '',
    `  accept-new trusts the key it meets first; ssh-keygen -lF '${known}' then shows the`,
    '  fingerprint it kept, which must be the host key above.',
    '',
    '',
  ].join('\n');
}
