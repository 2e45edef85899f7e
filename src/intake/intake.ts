/**
 * The intake: notices files in partners' `inbox/` and `validate/` (announced by an upload path, seen
 * by the watcher, or found by a rescan), records each in the ledger by identity, classifies it by
 * name, answers with a receipt, and hands accepted files to the router (the format pipelines).
 * Nothing here knows about SFTP.
 */
import { lstat, readdir, rm, unlink } from 'node:fs/promises';
import path from 'node:path';
import type { IntakeConfig } from '../config/schema.js';
import type { DataLayout, UploadArea } from '../data-layout.js';
import { errorMessage } from '../core/errors.js';
import { FINAL_STATES, PENDING_STATES } from '../core/file-state.js';
import { looksTemporary, partnerIdProblem, uploadNameProblem } from '../core/safe-name.js';
import { builtInFormat, type FormatLookup } from '../formats/registry.js';
import { isMissing, pathExists } from '../fs/durable.js';
import { isRealDirectory } from '../fs/regular-file.js';
import type { Log } from '../log.js';
import type { FileRecord, FileVia } from '../store/files.js';
import type { PartnerStoreAsync } from '../store/partner-store.js';
import type { Partner } from '../store/partners.js';
import type { Store } from '../store/store.js';
import type { Answers } from './answers.js';
import { archiveOriginal } from './archive.js';
import { DeliveredFiles } from './delivered-files.js';
import { dryRunRecord } from './dry-run.js';
import { digestFile, type FileDigest } from './file-identity.js';
import { waitUntilStable } from './stable-size.js';
import { LeftInboxMarks } from './left-inbox-marks.js';
import { answerRefusedUpload, type RefusedUpload } from './refused-upload.js';
import { Registration } from './registration.js';
import { Unpacker } from './unpack.js';
import { InboxWatcher, WatchLiveness, type WatchStatus, type WatchedFile } from './watcher.js';
import { WorkQueue } from './work-queue.js';

/** Where accepted files go next; the format pipelines implement it. */
export interface FileRouter {
  /**
   * A classified, not yet final file, in its inbox at `source`: process it (or hold it).
   * Resolves with its state afterwards; the intake answers and archives final files.
   */
  route(file: FileRecord, partner: Partner, source: string): Promise<FileRecord>;
  /** A file in `/validate`: check it fully, store nothing, answer with a dry-run receipt. */
  check(file: FileRecord, partner: Partner, source: string): Promise<FileRecord>;
}

export interface IntakeOptions {
  layout: DataLayout;
  config: IntakeConfig;
  store: Store;
  partners: PartnerStoreAsync;
  answers: Answers;
  log: Log;
  now: () => Date;
  router?: FileRouter;
  /** Unpacks compressed uploads; without it they are refused by name like any unknown file. */
  unpacker?: Unpacker;
  /** The formats and their dedupe rules; the built-ins unless a test brings its own. */
  formats?: FormatLookup;
  /** A file of the inbox is final and answered here: another node may be waiting for it. */
  onSettled?: (file: FileRecord) => void;
}

/** A file an upload path has linked into an inbox, with what it knows of it. */
export interface DeliveredFile {
  partner: string;
  area: UploadArea;
  name: string;
  /** The bytes it delivered: the answer waited for is this file's, not an earlier one's. */
  sha256: string;
  via: FileVia;
  /** Options its sender gave with it, recorded with its ledger row for its format to read. */
  senderOptions?: Record<string, unknown>;
}

export class Intake {
  private readonly queue: WorkQueue<WatchedFile>;
  private readonly watcher: InboxWatcher;
  private readonly settling = new Set<string>();
  /** Pending files already registered, by key, with the stat they had: not hashed again. */
  private readonly registered = new Map<string, string>();
  private readonly leftInbox: LeftInboxMarks;
  private readonly registration: Registration;
  private rescanTimer: NodeJS.Timeout | undefined;
  private readonly liveness: WatchLiveness;
  /** The rescan under way: one at a time, whoever asks (the timer, a watcher failure), and stop() waits for it. */
  private scanning: Promise<void> | undefined;
  private stopped = false;
  private readonly delivered = new DeliveredFiles();

  constructor(private readonly options: IntakeOptions) {
    this.queue = new WorkQueue(
      (file) => this.handle(file),
      (err, key) => options.log.error('intake.error', { key, error: errorMessage(err), stack: (err as Error)?.stack }),
      options.config.workers,
    );
    this.watcher = new InboxWatcher(options.layout.partnersRoot, {
      onFile: (file) => this.notice(file, false),
      onGone: (file) => this.queue.push(keyOf(file), file),
      onError: (err) => this.watcherFailed(err),
    });
    this.liveness = new WatchLiveness(options.now);
    this.leftInbox = new LeftInboxMarks(options.store, (err) =>
      options.log.error('intake.mark_failed', { error: errorMessage(err) }),
    );
    const { layout, store, answers, now } = options;
    const formats = options.formats ?? builtInFormat;
    this.registration = new Registration({ layout, store, answers, leftInbox: this.leftInbox, formats, now });
  }

  /** Resumes interrupted files, picks up what is already in the inboxes, then watches. */
  async start(): Promise<void> {
    await this.recoverInterrupted();
    await this.watcher.start();
    await this.rescan();
    this.rescanTimer = setInterval(() => {
      this.rescan().catch((err: unknown) => this.options.log.error('intake.rescan_failed', { error: errorMessage(err) }));
    }, this.options.config.rescan_seconds * 1000);
    this.rescanTimer.unref();
  }

  /** Stops watching and finishes the file in hand; whatever waits is found again at next start. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.rescanTimer);
    await this.watcher.stop();
    await this.scanning?.catch(() => undefined);
    await this.queue.stop();
    await this.leftInbox.flush();
  }

  /** An upload path says this file is complete: take it now, without waiting for a stable size. */
  announce(partner: string, area: UploadArea, name: string): void {
    this.notice({ partner, area, name }, true);
  }

  /**
   * An upload replaces the file of its name still waiting in the folder: `deliver` moves it in
   * while the intake has nothing of that name in hand (so no file being processed is swapped under
   * it), then the new file is taken at once; registration withdraws the old one's record.
   */
  async replace(partner: string, area: UploadArea, name: string, deliver: () => Promise<void>): Promise<void> {
    await this.queue.exclusive(keyOf({ partner, area, name }), deliver);
    this.announce(partner, area, name);
  }

  /**
   * An upload refused before it reached the inbox (past the size limit, or for its name at
   * OPEN, CLOSE or RENAME): answered with a receipt and a ledger row, which it resolves with.
   */
  async refuseUpload(partner: string, upload: RefusedUpload): Promise<FileRecord | undefined> {
    const owner = await this.options.partners.get(partner);
    return owner ? answerRefusedUpload(this.options, owner, upload) : undefined;
  }

  /**
   * A delivered file: taken now, like an announced one. Resolves with its ledger row once its
   * state is final and its answer written (or once it `failed`); `signal` only ends the wait,
   * the file goes on all the same. Only a validate/ dry run is never waited for: it has no row.
   *
   * It is taken at once, beside whatever the workers have in hand (the API's request slots bound
   * how many such files there are): its row, with how it came (`via`, Client Toolbox's sender
   * options), is written before another node's watcher can find it in the shared inbox and
   * register it without them.
   */
  submit(file: DeliveredFile, signal?: AbortSignal): Promise<FileRecord> {
    const key = keyOf(file);
    const outcome = this.delivered.expect(key, file.sha256, { via: file.via, senderOptions: file.senderOptions ?? null }, signal);
    if (!this.stopped) this.queue.pushNow(key, { partner: file.partner, area: file.area, name: file.name });
    return outcome;
  }

  /**
   * Another node finished and answered this file: whoever waits here for these bytes (an API
   * upload this node received) has its outcome, and the name is no longer pending here.
   */
  settledElsewhere(file: FileRecord): void {
    const key = keyOf({ partner: file.partner, area: 'inbox', name: file.name });
    this.registered.delete(key);
    this.delivered.settle(key, file);
  }

  /** A held file may go on (its predecessor is processed): take it again now. */
  requeue(partner: string, name: string): void {
    const file: WatchedFile = { partner, area: 'inbox', name };
    this.registered.delete(keyOf(file));
    this.queue.push(keyOf(file), file);
  }

  /** Resolves when no file is waiting or in hand and the ledger knows it (tests and the bench use it). */
  async idle(): Promise<void> {
    while (this.settling.size > 0 || this.queue.size > 0) {
      await this.queue.idle();
      if (this.settling.size > 0) await new Promise((resolve) => setTimeout(resolve, 10));
    }
    await this.queue.idle();
    await this.leftInbox.flush();
  }

  /** Whether the inboxes are really being looked at (the health check judges it). */
  get watchStatus(): WatchStatus {
    return this.liveness.status(this.watcher.running);
  }

  /** Files noticed and not yet taken in hand: nonzero means the intake is not idle. */
  get pending(): number {
    return this.settling.size + this.queue.size;
  }

  /**
   * Every file in every inbox, and pending ledger rows whose file has gone. A folder that cannot
   * be read does not stop the others; the rescan then fails, naming it.
   */
  rescan(): Promise<void> {
    this.scanning ??= this.scanOnce().finally(() => (this.scanning = undefined));
    return this.scanning;
  }

  private async scanOnce(): Promise<void> {
    const succeeded = this.liveness.rescanBegins();
    try {
      const unreadable = await this.scanInboxes();
      if (unreadable.length > 0) throw new Error(`cannot read ${unreadable.join('; ')}`);
      succeeded();
    } catch (err) {
      this.liveness.failed(`a rescan of the inboxes failed: ${errorMessage(err)}`);
      throw err;
    }
  }

  /** Notices every name in every inbox and requeues pending rows; returns the folders it could not read. */
  private async scanInboxes(): Promise<string[]> {
    const root = this.options.layout.partnersRoot;
    // Created at start: gone now, every inbox is out of sight (a volume unmounted, a folder moved).
    if (!(await isRealDirectory(root))) throw new Error(`${root} is missing or not a folder`);
    const unreadable: string[] = [];
    for (const partner of await listNames(root)) {
      if (partnerIdProblem(partner)) continue;
      for (const area of ['inbox', 'validate'] as const) {
        try {
          if (!(await this.realFolder({ partner, area }))) continue;
          for (const name of await listNames(path.join(root, partner, area))) this.notice({ partner, area, name }, false);
        } catch (err) {
          unreadable.push(`${partner}/${area}: ${errorMessage(err)}`);
        }
      }
    }
    for (const file of await this.options.store.ledger.inStates([...PENDING_STATES])) {
      const key = keyOf({ partner: file.partner, area: 'inbox', name: file.name });
      // Another process (an operator's `posdrop release`) may have moved a held file on.
      if (file.state === 'queued') this.registered.delete(key);
      this.queue.push(key, { partner: file.partner, area: 'inbox', name: file.name });
    }
    return unreadable;
  }

  /** chokidar failed: whatever it may have missed, a rescan finds now. */
  private watcherFailed(err: unknown): void {
    const { log } = this.options;
    log.warn('intake.watcher_error', { error: errorMessage(err), note: 'rescanning the inboxes' });
    this.liveness.failed(`the inbox watcher failed: ${errorMessage(err)}`);
    if (this.stopped) return;
    this.rescan().catch((failure: unknown) => log.error('intake.rescan_failed', { error: errorMessage(failure) }));
  }

  private notice(file: WatchedFile, complete: boolean): void {
    if (this.stopped) return;
    const key = keyOf(file);
    if (complete) {
      this.queue.push(key, file);
      return;
    }
    if (this.settling.has(key) || this.queue.has(key)) return;
    this.settling.add(key);
    waitUntilStable(this.sourceOf(file), this.options.config.stable_ms)
      .then((stable) => {
        if (stable) this.queue.push(key, file);
      })
      .catch((err: unknown) => this.options.log.warn('intake.stat_failed', { key, error: errorMessage(err) }))
      .finally(() => this.settling.delete(key));
  }

  /**
   * Links are never followed into: a partner folder or inbox replaced by a link to elsewhere
   * would otherwise have whatever it points at recorded, and moved into the archive.
   */
  private async realFolder(file: Pick<WatchedFile, 'partner' | 'area'>): Promise<boolean> {
    const { layout } = this.options;
    return (await isRealDirectory(layout.partnerDir(file.partner))) && isRealDirectory(layout.areaDir(file.partner, file.area));
  }

  private sourceOf(file: WatchedFile): string {
    return path.join(this.options.layout.areaDir(file.partner, file.area), file.name);
  }

  /** Looks at one name: a file there is an arrival, no file there may be a withdrawal. */
  private async handle(file: WatchedFile): Promise<void> {
    const { log, partners } = this.options;
    const key = keyOf(file);
    const source = this.sourceOf(file);
    if (!(await this.realFolder(file))) {
      log.warn('file.ignored', { partner: file.partner, file: file.name, reason: 'its folder is a link or not a folder' });
      return;
    }
    const stats = await lstat(source).catch((err: unknown) => {
      if (isMissing(err)) return undefined;
      throw err;
    });
    if (!stats) {
      this.registered.delete(key);
      const owner = file.area === 'inbox' ? await partners.get(file.partner) : undefined;
      if (owner) await this.registration.withdraw(owner, file.name);
      return;
    }
    if (looksTemporary(file.name)) return; // waits for its rename
    const problem = uploadNameProblem(file.name) ?? (stats.isFile() ? undefined : 'not a regular file');
    const partner = partnerIdProblem(file.partner) ? undefined : await partners.get(file.partner);
    if (problem || !partner) {
      log.warn('file.ignored', { partner: file.partner, file: file.name, reason: problem ?? 'no such partner' });
      return;
    }
    const fingerprint = `${stats.ino}:${stats.size}:${stats.mtimeMs}`;
    if (this.registered.get(key) === fingerprint) return;
    const digest = await digestFile(source);
    if (!digest) return;
    if (file.area === 'validate') {
      await this.dryRun(partner, file.name, source, digest);
      return;
    }
    const arrival = this.delivered.takeArrival(key, digest.sha256);
    const { record: registered, answered } = await this.registration.register(partner, file.name, digest, arrival);
    const record = FINAL_STATES.has(registered.state) ? registered : await this.onward(registered, partner, source);
    if (record.state === 'failed') {
      // Kept in the inbox: a failure is posdrop's fault, and the file is tried again at restart.
      this.registered.set(key, fingerprint);
      if (record !== registered) await this.options.answers.stateChanged(record, partner);
      this.settled(key, record);
    } else if (FINAL_STATES.has(record.state)) {
      this.registered.delete(key);
      await this.finish(record, partner, source, answered && record === registered);
      this.settled(key, record);
    } else {
      this.registered.set(key, fingerprint);
    }
  }

  private settled(key: string, record: FileRecord): void {
    this.delivered.settle(key, record);
    this.options.onSettled?.(record);
  }

  /** A registered, pending file: unpacked when it is compressed, else routed to its format. */
  private async onward(file: FileRecord, partner: Partner, source: string): Promise<FileRecord> {
    const { unpacker, router } = this.options;
    if (unpacker && Unpacker.wants(file)) {
      const { record, members } = await unpacker.unpack(file, partner, source);
      for (const name of members) this.notice({ partner: partner.id, area: 'inbox', name }, true);
      return record;
    }
    return router ? router.route(file, partner, source) : file;
  }

  /**
   * A final file still in the inbox: answer (unless `answered` already did for this state) and
   * archive. Only once the original is in the archive does the ledger say it left the inbox: a
   * stop in between finds it there again as the same file.
   */
  private async finish(file: FileRecord, partner: Partner, source: string, answered: boolean): Promise<void> {
    const { answers, layout } = this.options;
    if (!answered) await answers.stateChanged(file, partner);
    await archiveOriginal(layout, file, source);
    if (file.leftInboxAt === null) this.leftInbox.note(file);
  }

  /** `/validate`: name (and, with a router, content) checked; nothing stored, no name used up. */
  private async dryRun(partner: Partner, name: string, source: string, digest: FileDigest): Promise<void> {
    const file = dryRunRecord(partner, name, digest, this.options.now());
    try {
      if (file.state === 'queued' && this.options.router) await this.options.router.check(file, partner, source);
      else await this.options.answers.stateChanged(file, partner, { dryRun: true });
    } finally {
      await unlink(source).catch(() => undefined);
    }
  }

  /**
   * A file that `failed` (posdrop's own fault) is queued again; the scan that follows finds it in
   * its inbox (one this node was `processing` when it stopped is the claim keeper's, taken back
   * before the intake starts). A final file whose original is not in its inbox was archived by a
   * daemon stopped before it could say so.
   */
  private async recoverInterrupted(): Promise<void> {
    const { store, log, layout } = this.options;
    // members of a compressed file inflated by a daemon that stopped before linking them
    await rm(layout.unpackDir, { recursive: true, force: true });
    const archived: FileRecord[] = [];
    for (const file of await store.ledger.finalInInbox()) {
      if (!(await pathExists(path.join(layout.areaDir(file.partner, 'inbox'), file.name)))) archived.push(file);
    }
    await store.transaction(async ({ ledger }) => {
      for (const file of archived) await ledger.markLeftInbox(file.id);
      for (const file of await ledger.inStates(['failed'])) {
        await ledger.move(file.id, 'queued', { detail: 'failed earlier; tried again after a restart' });
        log.warn('file.requeued', { partner: file.partner, file: file.name, id: file.id, was: file.state });
      }
    });
  }
}

function keyOf(file: WatchedFile): string {
  return `${file.partner}/${file.area}/${file.name}`;
}

async function listNames(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch (err) {
    if (isMissing(err)) return [];
    throw err;
  }
}
