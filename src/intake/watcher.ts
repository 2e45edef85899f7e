/**
 * Watches `partners/<partner>/{inbox,validate}/` with chokidar and reports file names. It only
 * reports: the intake decides. What it misses the periodic rescan finds, which is why the
 * watching is judged alive by its rescans (see WatchLiveness), not by chokidar alone.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import chokidar, { type FSWatcher } from 'chokidar';
import type { UploadArea } from '../data-layout.js';

const POLL_MS = 500;

export interface WatchedFile {
  partner: string;
  area: UploadArea;
  name: string;
}

export interface WatcherEvents {
  onFile: (file: WatchedFile) => void;
  onGone: (file: WatchedFile) => void;
  onError: (err: unknown) => void;
}

/** What the health check and the systemd watchdog judge the watching by. */
export interface WatchStatus {
  /** chokidar is started and not closed. */
  running: boolean;
  /** When the last rescan that read every inbox finished. */
  lastRescanAt: Date | undefined;
  /** The latest failure of the watcher or of a rescan, until a rescan begun after it succeeds. */
  problem: { at: Date; message: string } | undefined;
}

/**
 * Whether the inboxes are really being looked at. In polling mode chokidar reports almost no
 * failure: readdirp turns an unreadable folder (EACCES, EPERM, ELOOP) into a warning that chokidar
 * drops, so "chokidar is running" proves little. A rescan reads every inbox itself and throws on
 * what it cannot read; its success is the proof, and it is also what recovers anything the
 * watcher missed, so a failure counts as recovered once a rescan begun after it succeeds.
 */
export class WatchLiveness {
  private lastRescanAt: Date | undefined;
  private problem: WatchStatus['problem'];
  private failures = 0;

  constructor(private readonly now: () => Date) {}

  /** The watcher or a rescan failed. */
  failed(message: string): void {
    this.problem = { at: this.now(), message };
    this.failures += 1;
  }

  /** A rescan begins; call the returned function when it has read every inbox. */
  rescanBegins(): () => void {
    const failuresBefore = this.failures;
    return () => {
      this.lastRescanAt = this.now();
      if (this.failures === failuresBefore) this.problem = undefined;
    };
  }

  status(running: boolean): WatchStatus {
    return { running, lastRescanAt: this.lastRescanAt, problem: this.problem };
  }
}

export class InboxWatcher {
  private watcher: FSWatcher | undefined;

  constructor(
    private readonly partnersRoot: string,
    private readonly events: WatcherEvents,
  ) {}

  /** Resolves once chokidar has its watches in place. */
  async start(): Promise<void> {
    mkdirSync(this.partnersRoot, { recursive: true });
    const watcher = chokidar.watch(this.partnersRoot, {
      ignoreInitial: true, // the intake scans on start itself
      followSymlinks: false,
      depth: 2,
      // Polling, not inotify: uploads arrive announced by the SFTP server, so the watcher is for
      // files copied in by hand, where half a second is soon enough. With inotify, chokidar
      // re-reads (and lstats) a whole inbox on every event, which under a burst of uploads cost
      // more than the uploads themselves; polling re-reads each folder at most once per interval
      // and knows no inotify watch limit.
      usePolling: true,
      interval: POLL_MS,
      binaryInterval: POLL_MS,
      ignored: (file, stats) => this.ignored(file, stats?.isDirectory()),
    });
    watcher.on('add', (file) => this.report(file, this.events.onFile));
    watcher.on('change', (file) => this.report(file, this.events.onFile));
    watcher.on('unlink', (file) => this.report(file, this.events.onGone));
    watcher.on('error', (err) => this.events.onError(err));
    this.watcher = watcher;
    await new Promise<void>((resolve) => watcher.once('ready', () => resolve()));
  }

  async stop(): Promise<void> {
    await this.watcher?.close();
    this.watcher = undefined;
  }

  get running(): boolean {
    return this.watcher !== undefined;
  }

  /** Only `<partner>/inbox|validate/<name>` matters; everything else is not even watched. */
  private ignored(file: string, isDirectory: boolean | undefined): boolean {
    const parts = path.relative(this.partnersRoot, file).split(path.sep);
    if (parts[0] === '') return false;
    if (parts.some((part) => part.startsWith('.'))) return true;
    if (parts.length === 2) return parts[1] !== 'inbox' && parts[1] !== 'validate';
    if (parts.length === 3) return isDirectory === true;
    return parts.length > 3;
  }

  private report(file: string, to: (file: WatchedFile) => void): void {
    const [partner, area, name] = path.relative(this.partnersRoot, file).split(path.sep);
    if (!partner || !name || (area !== 'inbox' && area !== 'validate')) return;
    to({ partner, area, name });
  }
}
