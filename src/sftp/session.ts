/**
 * Translates SFTP requests into calls on the partner's view, and answers. Every handler catches
 * its own errors: nothing throws out of the protocol layer. Handles live in this session's table.
 */
import type { FileHandle } from 'node:fs/promises';
import ssh2, { type Attributes, type SFTPWrapper } from 'ssh2';
import type { UploadArea } from '../data-layout.js';
import type { Log } from '../log.js';
import { longname } from './longname.js';
import type { EntryInfo, PartnerView } from './partner-view.js';
import { Refusal } from './refusal.js';
import { RequestOrder } from './request-order.js';
import { statusFor } from './status.js';
import type { Upload, UploadMode } from './upload.js';
import { normalisePath, resolvePath } from './virtual-path.js';

const { OPEN_MODE, STATUS_CODE } = ssh2.utils.sftp;

const MAX_READ = 256 * 1024 - 1024;
const LIST_BATCH = 128;
/** Replies the client has not read; past this the client is not reading them at all. */
const MAX_REPLY_BACKLOG = 4096;

type Handle =
  | { kind: 'dir'; entries: EntryInfo[]; next: number }
  | { kind: 'read'; file: FileHandle }
  | { kind: 'write'; upload: Upload; key: string; area: UploadArea; refusalAnswered?: boolean };

export interface SessionLimits {
  maxOpenHandles: number;
  maxRequestsInFlight: number;
  /** Bytes of WRITE data received and not yet on disk: what a flood would make the daemon hold. */
  maxWriteBytesInFlight: number;
}

export interface SessionOptions {
  sftp: SFTPWrapper;
  partner: string;
  view: PartnerView;
  /** Requests wait for this (the partner's folders being ready). */
  ready: Promise<unknown>;
  limits: SessionLimits;
  log: Log;
  now: () => Date;
  /** Called on every request (the idle timer). */
  onActivity: () => void;
  /** Called when the client misbehaves badly enough to be cut off. */
  onAbuse: (reason: string) => void;
}

export class SftpSession {
  private readonly handles = new Map<number, Handle>();
  private readonly order = new RequestOrder();
  private nextHandle = 1;
  private closed = false;
  /** Set once the client was cut off for abuse: whatever it still sends is ignored. */
  private cut = false;
  private writeBytesInFlight = 0;

  constructor(private readonly options: SessionOptions) {
    const { sftp } = options;
    void this.order.exclusive(async () => {
      await options.ready;
    });
    sftp.on('REALPATH', (id, path) => this.exclusive(id, 'realpath', () => this.realpath(id, path)));
    sftp.on('STAT', (id, path) => this.exclusive(id, 'stat', () => this.stat(id, path)));
    sftp.on('LSTAT', (id, path) => this.exclusive(id, 'lstat', () => this.stat(id, path)));
    sftp.on('FSTAT', (id, handle) => this.exclusive(id, 'fstat', () => this.fstat(id, handle)));
    sftp.on('OPENDIR', (id, path) => this.exclusive(id, 'opendir', () => this.opendir(id, path)));
    sftp.on('READDIR', (id, handle) => this.exclusive(id, 'readdir', () => this.readdir(id, handle)));
    sftp.on('OPEN', (id, path, flags) => this.exclusive(id, 'open', () => this.open(id, path, flags)));
    sftp.on('READ', (id, handle, offset, length) =>
      this.concurrent(id, 'read', () => this.read(id, handle, offset, length)),
    );
    sftp.on('WRITE', (id, handle, offset, data) => this.acceptWrite(id, handle, offset, data));
    sftp.on('CLOSE', (id, handle) => this.exclusive(id, 'close', () => this.close(id, handle)));
    sftp.on('REMOVE', (id, path) => this.exclusive(id, 'remove', () => this.remove(id, path)));
    sftp.on('RENAME', (id, from, to) => this.exclusive(id, 'rename', () => this.rename(id, from, to)));
    sftp.on('SETSTAT', (id, path, attrs) => this.exclusive(id, 'setstat', () => this.setstat(id, path, attrs)));
    sftp.on('FSETSTAT', (id, handle, attrs) =>
      this.exclusive(id, 'fsetstat', () => this.fsetstat(id, handle, attrs)),
    );
    const refuse = (what: string) => (id: number) =>
      this.exclusive(id, what, async () => {
        throw new Refusal('permission_denied', `${what} is not allowed here`);
      });
    // Without a listener ssh2 answers EXTENDED itself, past the flood caps; none is offered.
    sftp.on('EXTENDED', (id, name) =>
      this.exclusive(id, 'extended', async () => {
        throw new Refusal('op_unsupported', `the extension ${name} is not supported`);
      }),
    );
    sftp.on('MKDIR', refuse('MKDIR'));
    sftp.on('RMDIR', refuse('RMDIR'));
    sftp.on('SYMLINK', refuse('SYMLINK'));
    sftp.on('READLINK', refuse('READLINK'));
    // The client is done sending: end our side too, or the session hangs.
    sftp.on('end', () => sftp.end());
    sftp.on('close', () => void this.dispose());
    sftp.on('error', (err: Error) => options.log.debug('sftp.stream_error', { partner: options.partner, error: err.message }));
  }

  /** Closes every handle; uploads in flight keep their partial for a resume. */
  async dispose(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const handles = [...this.handles.values()];
    this.handles.clear();
    for (const handle of handles) await this.release(handle);
  }

  // --- request plumbing ---------------------------------------------------------------------

  private exclusive(id: number, op: string, work: () => Promise<void>): void {
    this.admit(id, op, () => this.order.exclusive(work));
  }

  private concurrent(id: number, op: string, work: () => Promise<void>): void {
    this.admit(id, op, () => this.order.concurrent(work));
  }

  /** WRITE data is held in memory until it is on disk: it counts against its own cap. */
  private acceptWrite(id: number, handle: Buffer, offset: number, data: Buffer): void {
    if (this.cut) return;
    const waiting = this.writeBytesInFlight + data.length;
    if (waiting > this.options.limits.maxWriteBytesInFlight) {
      return this.abuse(`write flood (${waiting} bytes of WRITE data waiting for the disk)`);
    }
    this.admit(id, 'write', () => {
      this.writeBytesInFlight += data.length;
      return this.order
        .concurrent(() => this.write(id, handle, offset, data))
        .finally(() => (this.writeBytesInFlight -= data.length));
    });
  }

  private admit(id: number, op: string, start: () => Promise<void>): void {
    if (this.cut) return;
    this.options.onActivity();
    const backlog = (this.options.sftp as unknown as { _buffer?: unknown[] })._buffer?.length ?? 0;
    if (this.order.inFlight >= this.options.limits.maxRequestsInFlight || backlog > MAX_REPLY_BACKLOG) {
      return this.abuse(`request flood (${this.order.inFlight} in flight, ${backlog} unread replies)`);
    }
    start().catch((err: unknown) => this.fail(id, op, err));
  }

  /** Cuts the client off, once; its requests still arriving are dropped unanswered. */
  private abuse(reason: string): void {
    if (this.cut) return;
    this.cut = true;
    this.options.onAbuse(reason);
  }

  private fail(id: number, op: string, err: unknown): void {
    const status = statusFor(err);
    if (status.unexpected) {
      this.options.log.warn('sftp.request_failed', {
        partner: this.options.partner,
        op,
        error: err instanceof Error ? err.message : String(err),
      });
    }
    this.options.sftp.status(id, status.code, status.message);
  }

  private ok(id: number): void {
    this.options.sftp.status(id, STATUS_CODE.OK);
  }

  private handle(raw: Buffer): Handle {
    const handle = raw.length === 4 ? this.handles.get(raw.readUInt32BE(0)) : undefined;
    if (!handle) throw new Refusal('failure', 'invalid handle');
    return handle;
  }

  private addHandle(handle: Handle): Buffer {
    const id = this.nextHandle++;
    this.handles.set(id, handle);
    const raw = Buffer.alloc(4);
    raw.writeUInt32BE(id >>> 0, 0);
    return raw;
  }

  private checkHandleRoom(): void {
    if (this.handles.size >= this.options.limits.maxOpenHandles) {
      throw new Refusal('failure', `too many open files (at most ${this.options.limits.maxOpenHandles})`);
    }
  }

  // --- requests ---------------------------------------------------------------------------

  private async realpath(id: number, path: string): Promise<void> {
    const normal = normalisePath(path);
    this.options.sftp.name(id, [{ filename: normal, longname: normal, attrs: {} as Attributes }]);
  }

  private async stat(id: number, path: string): Promise<void> {
    const entry = await this.options.view.stat(resolvePath(path));
    this.options.sftp.attrs(id, attrsOf(entry));
  }

  private async fstat(id: number, raw: Buffer): Promise<void> {
    const handle = this.handle(raw);
    if (handle.kind === 'dir') throw new Refusal('failure', 'not a file handle');
    if (handle.kind === 'read') {
      const stats = await handle.file.stat();
      this.options.sftp.attrs(id, {
        mode: stats.mode,
        uid: 0,
        gid: 0,
        size: stats.size,
        atime: seconds(stats.atime),
        mtime: seconds(stats.mtime),
      });
      return;
    }
    const entry = await this.options.view.stat({ kind: 'file', area: handle.area, name: handle.upload.name });
    this.options.sftp.attrs(id, attrsOf(entry));
  }

  private async opendir(id: number, path: string): Promise<void> {
    this.checkHandleRoom();
    const entries = await this.options.view.list(resolvePath(path));
    this.options.sftp.handle(id, this.addHandle({ kind: 'dir', entries, next: 0 }));
  }

  private async readdir(id: number, raw: Buffer): Promise<void> {
    const handle = this.handle(raw);
    if (handle.kind !== 'dir') throw new Refusal('failure', 'not a folder handle');
    if (handle.next >= handle.entries.length) {
      this.options.sftp.status(id, STATUS_CODE.EOF);
      return;
    }
    const batch = handle.entries.slice(handle.next, handle.next + LIST_BATCH);
    handle.next += batch.length;
    const now = this.options.now();
    this.options.sftp.name(
      id,
      batch.map((entry) => ({
        filename: entry.name,
        longname: longname(entry, this.options.partner, now),
        attrs: attrsOf(entry),
      })),
    );
  }

  private async open(id: number, path: string, flags: number): Promise<void> {
    this.checkHandleRoom();
    const target = resolvePath(path);
    const writing = (flags & (OPEN_MODE.WRITE | OPEN_MODE.APPEND)) !== 0;
    if (!writing) {
      const file = await this.options.view.openRead(target);
      this.options.sftp.handle(id, this.addHandle({ kind: 'read', file }));
      return;
    }
    // Built by hand from the SFTP flags (not flagsToString): no O_APPEND ever, as every WRITE
    // carries its own offset, and WRITE|CREAT without TRUNC resumes the partial.
    const mode: UploadMode =
      flags & OPEN_MODE.TRUNC ? 'truncate' : flags & OPEN_MODE.EXCL ? 'exclusive' : 'resume';
    const { upload, key } = await this.options.view.openUpload(target, mode, (flags & OPEN_MODE.CREAT) !== 0);
    if (this.closed) {
      await upload.abandon();
      this.options.view.releaseUpload(key);
      return;
    }
    const area = (target as { area: UploadArea }).area;
    this.options.sftp.handle(id, this.addHandle({ kind: 'write', upload, key, area }));
  }

  private async read(id: number, raw: Buffer, offset: number, length: number): Promise<void> {
    const handle = this.handle(raw);
    if (handle.kind !== 'read') throw new Refusal('failure', 'not opened for reading');
    const buffer = Buffer.allocUnsafe(Math.min(length, MAX_READ));
    const { bytesRead } = await handle.file.read(buffer, 0, buffer.length, offset);
    if (bytesRead === 0) this.options.sftp.status(id, STATUS_CODE.EOF);
    else this.options.sftp.data(id, buffer.subarray(0, bytesRead));
  }

  private async write(id: number, raw: Buffer, offset: number, data: Buffer): Promise<void> {
    const handle = this.handle(raw);
    if (handle.kind !== 'write') throw new Refusal('failure', 'not opened for writing');
    try {
      await handle.upload.write(offset, data);
    } catch (err) {
      const reason = handle.upload.abortReason;
      if (reason) {
        this.options.log.warn('sftp.upload_refused', { partner: this.options.partner, file: handle.upload.name, reason });
        if (!handle.refusalAnswered) this.options.view.refused(handle.area, handle.upload.name, offset + data.length, { code: 'oversize', message: reason });
        handle.refusalAnswered = true;
      }
      throw err;
    }
    this.ok(id);
  }

  private async close(id: number, raw: Buffer): Promise<void> {
    const handleId = raw.length === 4 ? raw.readUInt32BE(0) : -1;
    const handle = this.handle(raw);
    this.handles.delete(handleId);
    if (handle.kind !== 'write') {
      await this.release(handle);
      this.ok(id);
      return;
    }
    try {
      const result = await handle.upload.close();
      if (result.delivered) this.options.view.delivered(handle.area, handle.upload.name, result.size);
      this.options.log.info('sftp.upload_closed', {
        partner: this.options.partner,
        area: handle.area,
        file: handle.upload.name,
        size: result.size,
        delivered: result.delivered,
      });
    } finally {
      this.options.view.releaseUpload(handle.key);
    }
    this.ok(id);
  }

  private async remove(id: number, path: string): Promise<void> {
    await this.options.view.remove(resolvePath(path));
    this.ok(id);
  }

  private async rename(id: number, from: string, to: string): Promise<void> {
    await this.options.view.rename(resolvePath(from), resolvePath(to));
    this.ok(id);
  }

  /** Times and mode are accepted and ignored; size and owner are refused. */
  private async setstat(id: number, path: string, attrs: Attributes): Promise<void> {
    refuseSizeOrOwner(attrs);
    await this.options.view.stat(resolvePath(path));
    this.ok(id);
  }

  private async fsetstat(id: number, raw: Buffer, attrs: Attributes): Promise<void> {
    this.handle(raw);
    refuseSizeOrOwner(attrs);
    this.ok(id);
  }

  private async release(handle: Handle): Promise<void> {
    if (handle.kind === 'read') await handle.file.close().catch(() => undefined);
    if (handle.kind === 'write') {
      await handle.upload.abandon();
      this.options.view.releaseUpload(handle.key);
    }
  }
}

function refuseSizeOrOwner(attrs: Attributes): void {
  const given = attrs as Partial<Attributes>;
  if (given.size !== undefined || given.uid !== undefined || given.gid !== undefined) {
    throw new Refusal('permission_denied', 'changing the size or owner of a file is not allowed');
  }
}

function attrsOf(entry: EntryInfo): Attributes {
  const time = seconds(entry.mtime);
  return { mode: entry.mode, uid: 0, gid: 0, size: entry.size, atime: time, mtime: time };
}

function seconds(date: Date): number {
  return Math.floor(date.getTime() / 1000);
}
