/**
 * A partner's file view, protocol-neutral: what STAT, LIST, OPEN, REMOVE and RENAME mean for the
 * three folders. Nothing here follows a link: each folder is `lstat`ed before use, files are
 * opened with O_NOFOLLOW (and never waited on), and a link or special file simply does not exist
 * for the partner.
 *
 * Metadata calls (lstat, readdir, mkdir, unlink) are synchronous on purpose: on the local data
 * folder they take microseconds, while a trip through libuv's thread pool costs far more than
 * that, several times per request. Reads, writes and fsync stay asynchronous.
 */
import { constants, lstatSync, mkdirSync, readdirSync, unlinkSync, type Stats } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import path from 'node:path';
import type { Area, DataLayout, UploadArea } from '../data-layout.js';
import { fileNameProblem, looksTemporary, uploadNameProblem } from '../core/safe-name.js';
import { fsyncDir, isMissing, moveNoReplace, errnoCode } from '../fs/durable.js';
import { ensurePartnerFolders } from '../fs/partner-folders.js';
import { openRegularFile } from '../fs/regular-file.js';
import { noSuchFile, Refusal, type NameScreen, type UploadRefusalReason, type RefusalKind, type UploadRefusedHandler } from './refusal.js';
import type { SpoolQuota } from './spool-quota.js';
import { partialName, spoolPathFor, Upload, type UploadMode } from './upload.js';
import { uploadKey, type UploadRegistry } from './upload-registry.js';
import type { VirtualTarget } from './virtual-path.js';

export interface EntryInfo {
  name: string;
  isDirectory: boolean;
  /** Permission bits with the file type (S_IFDIR / S_IFREG). */
  mode: number;
  size: number;
  mtime: Date;
}

export interface ViewOptions {
  layout: DataLayout;
  partner: string;
  registry: UploadRegistry;
  maxUploadBytes: number;
  now: () => Date;
  /** Called when a complete upload has landed in the partner's folder. */
  onDelivered: (partner: string, area: UploadArea, name: string, size: number) => void;
  /**
   * Called when a pending file left the folder or came in under a new name (REMOVE, RENAME), so
   * that the intake need not wait for its watcher to notice.
   */
  onChanged: (partner: string, area: UploadArea, name: string) => void;
  /** Delivers an upload over a file of its name still waiting (see `UploadTarget.replace`). */
  replacePending?: (partner: string, area: UploadArea, name: string, deliver: () => Promise<void>) => Promise<void>;
  /**
   * An upload was refused before it reached the folder (the size limit, or its name at OPEN,
   * CLOSE or RENAME): the partner is answered with a receipt, which is written when it resolves.
   */
  onRefused?: UploadRefusedHandler;
  /**
   * Whether the intake would refuse a file of this name for the name alone (the intake's own
   * classification, passed in by the composition root): then OPEN, CLOSE and RENAME say so.
   */
  screenName?: NameScreen;
  /** The partner's spool allowance, shared by its sessions. */
  quota?: SpoolQuota;
}

const DIR_MODE = constants.S_IFDIR | 0o755;
const READ_ONLY_DIR_MODE = constants.S_IFDIR | 0o555;
const FILE_MODE = constants.S_IFREG | 0o644;
const READ_ONLY_FILE_MODE = constants.S_IFREG | 0o444;

export class PartnerView {
  private revoked = false;

  constructor(private readonly options: ViewOptions) {}

  /**
   * The partner's access was taken away (disabled, password changed, key removed): every request
   * from now on is refused, those already queued included, and no upload is delivered any more.
   */
  revoke(): void {
    this.revoked = true;
  }

  private guard(): void {
    if (this.revoked) throw new Refusal('permission_denied', 'access to this account was revoked');
  }

  /** Creates the partner's folders; called on login. */
  async prepare(): Promise<void> {
    await ensurePartnerFolders(this.options.layout, this.options.partner);
  }

  async stat(target: VirtualTarget): Promise<EntryInfo> {
    this.guard();
    switch (target.kind) {
      case 'root':
        return this.dirEntry('/', DIR_MODE);
      case 'area':
        await this.areaDir(target.area);
        return this.dirEntry(target.area, target.area === 'outbox' ? READ_ONLY_DIR_MODE : DIR_MODE);
      case 'file':
        return this.statFile(target.area, target.name);
      case 'missing':
        throw noSuchFile();
      case 'invalid':
        throw new Refusal('failure', `Invalid name: ${target.problem}`);
    }
  }

  async list(target: VirtualTarget): Promise<EntryInfo[]> {
    this.guard();
    if (target.kind === 'root') {
      return [
        this.dirEntry('inbox', DIR_MODE),
        this.dirEntry('validate', DIR_MODE),
        this.dirEntry('outbox', READ_ONLY_DIR_MODE),
      ];
    }
    if (target.kind === 'file') throw new Refusal('failure', `${target.name} is not a folder`);
    if (target.kind !== 'area') return this.stat(target).then(() => []);
    const entries = await this.regularFiles(await this.areaDir(target.area), target.area === 'outbox');
    if (target.area !== 'outbox') {
      const listed = new Set(entries.map((entry) => entry.name));
      for (const partial of await this.partials(target.area)) {
        if (!listed.has(partial.name)) entries.push(partial);
      }
    }
    return entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /** Opens a receipt for download: only /outbox can be read. */
  async openRead(target: VirtualTarget): Promise<FileHandle> {
    this.guard();
    const { area, name } = this.fileTarget(target);
    if (area !== 'outbox') {
      throw new Refusal('permission_denied', `files in /${area} cannot be downloaded; receipts are in /outbox`);
    }
    const handle = await openRegularFile(path.join(await this.areaDir(area), name), constants.O_RDONLY);
    if (!handle) throw noSuchFile();
    return handle;
  }

  /**
   * Starts (or resumes) an upload. The caller must `release` the returned key when the upload
   * ends, whatever the outcome.
   */
  async openUpload(target: VirtualTarget, mode: UploadMode, create: boolean): Promise<{ upload: Upload; key: string }> {
    this.guard();
    const { area, name } = this.uploadTarget(target);
    await this.refuseByName(area, name, 0, 'permission_denied');
    const key = uploadKey(this.options.partner, area, name);
    if (!this.options.registry.claim(key)) {
      throw new Refusal('failure', `${name} is being uploaded by another session`);
    }
    try {
      const finalDir = await this.areaDir(area);
      // An exclusive create must not find the name taken; a plain upload replaces a waiting file.
      const { replacePending } = this.options;
      if ((mode === 'exclusive' || !replacePending) && (await this.regularFile(path.join(finalDir, name)))) {
        throw new Refusal(
          'failure',
          `a file named ${name} is already waiting to be processed in /${area}; remove it first or use another name`,
        );
      }
      const spoolPath = spoolPathFor(await this.spoolDir(area), name);
      const space = this.options.quota?.claim(spoolPath, mode === 'truncate');
      try {
        const upload = await Upload.open(
          {
            spoolPath,
            finalPath: path.join(finalDir, name),
            name,
            maxBytes: this.options.maxUploadBytes,
            allowed: () => !this.revoked,
            screen: (size: number) => this.refuseByName(area, name, size, 'failure'),
            ...(space ? { space } : {}),
            ...(replacePending ? { replace: (deliver: () => Promise<void>) => replacePending(this.options.partner, area, name, deliver) } : {}),
          },
          mode,
          create,
        );
        return { upload, key };
      } catch (err) {
        space?.release();
        throw err;
      }
    } catch (err) {
      this.options.registry.release(key);
      throw err;
    }
  }

  /** Records a delivered upload and tells the intake about it. */
  delivered(area: UploadArea, name: string, size: number): void {
    this.options.registry.delivered(uploadKey(this.options.partner, area, name), { size, mtime: this.options.now() });
    this.options.onDelivered(this.options.partner, area, name, size);
  }

  /** An upload refused before it was complete: its partner gets an answer. */
  refused(area: UploadArea, name: string, size: number, reason: UploadRefusalReason): void {
    void this.options.onRefused?.(this.options.partner, area, name, size, reason);
  }

  /**
   * Refuses (as `kind`) an upload whose name alone decides that the intake would refuse it,
   * once its receipt and ledger row are written: a partner who looks in /outbox after the
   * refusal finds its answer there. Temporary names and /validate are never refused here.
   */
  private async refuseByName(area: UploadArea, name: string, size: number, kind: RefusalKind): Promise<void> {
    const { screenName, onRefused, partner } = this.options;
    const verdict = await screenName?.(partner, area, name);
    if (!verdict) return;
    await onRefused?.(partner, area, name, size, verdict);
    throw new Refusal(kind, verdict.message);
  }

  releaseUpload(key: string): void {
    this.options.registry.release(key);
  }

  /** Removes a pending upload or a partial (or the name of one just delivered); receipts stay. */
  async remove(target: VirtualTarget): Promise<void> {
    this.guard();
    const { area, name } = this.uploadTarget(target);
    const key = uploadKey(this.options.partner, area, name);
    if (this.options.registry.isActive(key)) throw new Refusal('failure', `${name} is being uploaded`);
    const dir = await this.areaDir(area);
    const pending = path.join(dir, name);
    if (await this.regularFile(pending)) {
      await unlinkIfThere(pending);
      await fsyncDir(dir);
      this.options.registry.forget(key);
      this.options.onChanged(this.options.partner, area, name);
      return;
    }
    const partial = spoolPathFor(await this.spoolDir(area), name);
    if (await this.regularFile(partial)) {
      await unlinkIfThere(partial);
      return;
    }
    // Delivered a moment ago and already taken for processing: STAT still shows the name, so
    // REMOVE agrees with it and clears the name (the receipt says what became of the file).
    // WinSCP REMOVEs a name STAT showed before renaming its .filepart onto it, and gives up the
    // whole upload when that REMOVE fails.
    if (this.options.registry.recentlyDelivered(key)) {
      this.options.registry.forget(key);
      return;
    }
    throw noSuchFile();
  }

  /** Renames within one folder, never onto an existing name. */
  async rename(from: VirtualTarget, to: VirtualTarget): Promise<void> {
    this.guard();
    if (from.kind === 'invalid' || to.kind === 'invalid') {
      throw new Refusal('failure', `Invalid name: ${from.kind === 'invalid' ? from.problem : (to as { problem: string }).problem}`);
    }
    if (from.kind !== 'file') throw from.kind === 'missing' ? noSuchFile() : new Refusal('permission_denied', 'folders cannot be renamed');
    if (to.kind !== 'file') throw to.kind === 'missing' ? noSuchFile() : new Refusal('failure', 'the target already exists');
    if (from.area !== to.area) throw new Refusal('permission_denied', 'files cannot be moved between folders');
    const { area } = this.uploadTarget(from);
    const { registry, partner } = this.options;
    const fromKey = uploadKey(partner, area, from.name);
    const toKey = uploadKey(partner, area, to.name);
    if (registry.isActive(fromKey)) throw new Refusal('failure', `${from.name} is still being uploaded`);
    // Only a real file or partial blocks the name: one delivered a moment ago and already taken
    // for processing still answers STAT, but a partner who sends a corrected file under a
    // temporary name and renames it (`put x.tmp`, `rename x.tmp x`) must not be refused for it.
    if (registry.isActive(toKey) || (await this.occupied(area, to.name))) {
      throw new Refusal('failure', `${to.name} already exists`);
    }
    const dir = await this.areaDir(area);
    const spool = await this.spoolDir(area);
    const pending = path.join(dir, from.name);
    const partial = spoolPathFor(spool, from.name);
    // the upload under its temporary name ends here: its final name is judged as at OPEN
    if (!looksTemporary(to.name)) {
      const source = (await this.regularFile(pending)) ?? (await this.regularFile(partial));
      if (!source) throw noSuchFile();
      await this.refuseByName(area, to.name, source.size, 'permission_denied');
    }
    try {
      if (await this.regularFile(pending)) {
        await moveNoReplace(pending, path.join(dir, to.name));
        registry.forget(fromKey);
        registry.forget(toKey);
        this.options.onChanged(partner, area, from.name);
        this.options.onChanged(partner, area, to.name);
      } else if (await this.regularFile(partial)) {
        if (looksTemporary(to.name)) {
          await moveNoReplace(partial, spoolPathFor(spool, to.name));
        } else {
          const { size } = lstatSync(partial);
          await moveNoReplace(partial, path.join(dir, to.name));
          this.delivered(area, to.name, size);
        }
      } else {
        throw noSuchFile();
      }
    } catch (err) {
      if (errnoCode(err) === 'EEXIST') throw new Refusal('failure', `${to.name} already exists`);
      throw err;
    }
  }

  private async statFile(area: Area, name: string): Promise<EntryInfo> {
    const dir = await this.areaDir(area);
    const stats = await this.regularFile(path.join(dir, name));
    if (stats) return fileEntry(name, stats, area === 'outbox');
    if (area === 'outbox') throw noSuchFile();
    const partial = await this.regularFile(spoolPathFor(await this.spoolDir(area), name));
    if (partial) return fileEntry(name, partial, false);
    const recent = this.options.registry.recentlyDelivered(uploadKey(this.options.partner, area, name));
    if (recent) return { name, isDirectory: false, mode: FILE_MODE, size: recent.size, mtime: recent.mtime };
    throw noSuchFile();
  }

  /** A file waiting under `name`, or a partial upload of it. */
  private async occupied(area: UploadArea, name: string): Promise<boolean> {
    if (await this.regularFile(path.join(await this.areaDir(area), name))) return true;
    return (await this.regularFile(spoolPathFor(await this.spoolDir(area), name))) !== undefined;
  }

  private fileTarget(target: VirtualTarget): { area: Area; name: string } {
    if (target.kind === 'file') return target;
    if (target.kind === 'invalid') throw new Refusal('failure', `Invalid name: ${target.problem}`);
    if (target.kind === 'missing') throw noSuchFile();
    throw new Refusal('failure', 'that is a folder, not a file');
  }

  private uploadTarget(target: VirtualTarget): { area: UploadArea; name: string } {
    const { area, name } = this.fileTarget(target);
    if (area === 'outbox') throw new Refusal('permission_denied', '/outbox is read-only');
    const problem = uploadNameProblem(name);
    if (problem) throw new Refusal('failure', `Invalid name: ${problem}`);
    return { area, name };
  }

  /** The folder on disk, refusing it when it, or the partner folder, is not a real folder. */
  private async areaDir(area: Area): Promise<string> {
    const { layout, partner } = this.options;
    await this.realDir(layout.partnerDir(partner));
    return this.realDir(layout.areaDir(partner, area));
  }

  private async spoolDir(area: UploadArea): Promise<string> {
    const { layout, partner } = this.options;
    await this.realDir(path.dirname(layout.spoolDir(partner, area)));
    return this.realDir(layout.spoolDir(partner, area));
  }

  private async realDir(dir: string): Promise<string> {
    const stats = lstatSync(dir, { throwIfNoEntry: false });
    if (!stats) {
      mkdirSync(dir, { recursive: true, mode: 0o750 });
      return this.realDir(dir);
    }
    if (stats.isDirectory()) return dir;
    throw new Refusal('permission_denied', 'this folder is not available');
  }

  private async regularFile(file: string): Promise<Stats | undefined> {
    try {
      const stats = lstatSync(file, { throwIfNoEntry: false });
      return stats?.isFile() ? stats : undefined;
    } catch (err) {
      if (isMissing(err)) return undefined;
      throw err;
    }
  }

  private async regularFiles(dir: string, readOnly: boolean): Promise<EntryInfo[]> {
    const entries: EntryInfo[] = [];
    for (const dirent of readdirSync(dir, { withFileTypes: true })) {
      if (!dirent.isFile() || fileNameProblem(dirent.name)) continue;
      const stats = await this.regularFile(path.join(dir, dirent.name));
      if (stats) entries.push(fileEntry(dirent.name, stats, readOnly));
    }
    return entries;
  }

  private async partials(area: UploadArea): Promise<EntryInfo[]> {
    const dir = await this.spoolDir(area);
    const entries: EntryInfo[] = [];
    for (const dirent of readdirSync(dir, { withFileTypes: true })) {
      if (!dirent.isFile() || !dirent.name.endsWith('.part')) continue;
      const name = dirent.name.slice(0, -'.part'.length);
      if (fileNameProblem(name) || partialName(name) !== dirent.name) continue;
      const stats = await this.regularFile(path.join(dir, dirent.name));
      if (stats) entries.push(fileEntry(name, stats, false));
    }
    return entries;
  }

  private dirEntry(name: string, mode: number): EntryInfo {
    return { name, isDirectory: true, mode, size: 4096, mtime: this.options.now() };
  }
}

function fileEntry(name: string, stats: Stats, readOnly: boolean): EntryInfo {
  return {
    name,
    isDirectory: false,
    mode: readOnly ? READ_ONLY_FILE_MODE : FILE_MODE,
    size: stats.size,
    mtime: stats.mtime,
  };
}

async function unlinkIfThere(file: string): Promise<void> {
  try {
    unlinkSync(file);
  } catch (err) {
    if (!isMissing(err)) throw err;
  }
}
