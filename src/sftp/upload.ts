/**
 * One upload in flight. Bytes go to `spool/<partner>/<area>/<name>.part`, never to a watched
 * folder; the size limit is checked on every WRITE, before the bytes reach the disk. On a good
 * CLOSE the file is fsynced and moved (never replacing anything) into the partner's folder.
 * A dropped connection leaves the partial in the spool, where the client can resume it. The size
 * limit's refusal and the move into place are the protocol-neutral ones of `delivery/`.
 */
import { closeSync, constants, fstatSync, unlinkSync, writeSync } from 'node:fs';
import { lstat, rename, unlink } from 'node:fs/promises';
import path from 'node:path';
import { looksTemporary } from '../core/safe-name.js';
import { DeliveryRefusal, tooLarge } from '../delivery/refusal.js';
import { fsyncDir, fsyncFile, moveNoReplace, errnoCode } from '../fs/durable.js';
import { openRegularFileSync } from '../fs/regular-file.js';
import { noSuchFile, Refusal } from './refusal.js';
import type { SpaceClaim } from './spool-quota.js';

export type UploadMode = 'truncate' | 'resume' | 'exclusive';

export interface UploadTarget {
  /** The spool file. */
  spoolPath: string;
  /** Where the upload is delivered on CLOSE (unless its name looks temporary). */
  finalPath: string;
  name: string;
  maxBytes: number;
  /**
   * The name is taken by a file still waiting there: runs the move that replaces it once the
   * intake has nothing of that name in hand. Without it, such a name is refused.
   */
  replace?: (deliver: () => Promise<void>) => Promise<void>;
  /** False once the partner's access was revoked: nothing more is written or delivered. */
  allowed: () => boolean;
  /** The room this upload holds in the partner's spool quota; asked before the file grows. */
  space?: SpaceClaim;
  /**
   * Asked once the bytes are complete, before delivery: throws the refusal when the name alone
   * now decides that the intake would refuse the file (a name-once name used meanwhile).
   */
  screen?: (size: number) => Promise<void>;
}

const REVOKED = 'access to this account was revoked';

export type CloseResult = { delivered: true; size: number } | { delivered: false; size: number };

export class Upload {
  private aborted: DeliveryRefusal | undefined;
  private closed = false;
  private highWater: number;

  private constructor(
    private readonly target: UploadTarget,
    /** The spool file's descriptor; calls on it are synchronous but for fsync (see write()). */
    private readonly fd: number,
    initialSize: number,
  ) {
    this.highWater = initialSize;
  }

  static async open(target: UploadTarget, mode: UploadMode, create: boolean): Promise<Upload> {
    let flags = constants.O_WRONLY;
    if (create || mode !== 'resume') flags |= constants.O_CREAT;
    if (mode === 'truncate') flags |= constants.O_TRUNC;
    if (mode === 'exclusive') flags |= constants.O_EXCL;
    let fd: number | undefined;
    try {
      fd = openRegularFileSync(target.spoolPath, flags, 0o640);
    } catch (err) {
      if (errnoCode(err) === 'EEXIST') throw new Refusal('failure', `${target.name} already exists`);
      throw err;
    }
    // Missing (a resume without CREAT of nothing), or something other than a file in the spool.
    if (fd === undefined) throw noSuchFile();
    return new Upload(target, fd, fstatSync(fd).size);
  }

  get name(): string {
    return this.target.name;
  }

  /** Writes `data` at `offset`; refuses (and deletes the partial) past the size limit. */
  async write(offset: number, data: Buffer): Promise<void> {
    if (this.aborted) throw this.aborted;
    if (this.closed) throw new Refusal('failure', 'the file is closed');
    if (!this.target.allowed()) throw new Refusal('permission_denied', REVOKED);
    const end = offset + data.length;
    if (end > this.target.maxBytes) {
      const refusal = tooLarge(this.target.name, this.target.maxBytes);
      await this.abort(refusal);
      throw refusal;
    }
    if (end > this.highWater) {
      // The partial is kept: the partner may make room and resume it.
      const refused = this.target.space?.grow(end - this.highWater);
      if (refused) throw refused;
    }
    // Synchronous on purpose: a WRITE lands in the page cache in microseconds, far less than a
    // trip through libuv's thread pool, and the data buffer is released at once instead of
    // queueing up in memory behind the pool (what kept a 50 MB upload's RSS high).
    writeSync(this.fd, data, 0, data.length, offset);
    if (end > this.highWater) this.highWater = end;
  }

  /**
   * Finishes the upload: fsync, close, then move into the partner's folder unless the name looks
   * temporary (the client will RENAME it). A file of that name still waiting there is replaced
   * through `target.replace` (CrowdTwist: "the client may resend … with the same filename").
   */
  async close(): Promise<CloseResult> {
    if (this.aborted) throw this.aborted;
    this.closed = true;
    try {
      await fsyncFile(this.fd);
    } finally {
      closeSync(this.fd);
      // From now on the file is counted where it lies (the spool, or delivered and gone from it).
      this.target.space?.release();
    }
    const size = this.highWater;
    // Checked after the fsync, the last wait before the move: a revocation meanwhile keeps the
    // file in the spool, where it expires, rather than delivering it under a revoked account.
    if (!this.target.allowed()) throw new Refusal('permission_denied', REVOKED);
    if (looksTemporary(this.target.name)) return { delivered: false, size };
    try {
      await this.target.screen?.(size);
    } catch (err) {
      // refused for its name: nothing of it is kept, as for an upload past the size limit
      await unlink(this.target.spoolPath).catch(() => undefined);
      throw err;
    }
    try {
      await moveNoReplace(this.target.spoolPath, this.target.finalPath);
    } catch (err) {
      const { replace, spoolPath, finalPath } = this.target;
      if (errnoCode(err) === 'EEXIST' && replace) {
        await replace(async () => {
          // only a waiting regular file is replaced: a link or anything else planted there stays
          const there = await lstat(finalPath).catch(() => undefined);
          if (there && !there.isFile()) throw new Refusal('failure', `${this.target.name} already exists`);
          await rename(spoolPath, finalPath);
          await fsyncDir(path.dirname(finalPath));
        });
        return { delivered: true, size };
      }
      if (errnoCode(err) === 'EEXIST') {
        throw new Refusal(
          'failure',
          `a file named ${this.target.name} is already waiting to be processed; the upload is kept and can be retried`,
        );
      }
      throw err;
    }
    return { delivered: true, size };
  }

  /** The connection went away: keep the partial for a resume. */
  async abandon(): Promise<void> {
    if (this.closed || this.aborted) return;
    this.closed = true;
    closeQuietly(this.fd);
    this.target.space?.release();
  }

  /** Refuses everything from now on and deletes the partial. */
  private async abort(reason: DeliveryRefusal): Promise<void> {
    if (this.aborted) return;
    this.aborted = reason;
    closeQuietly(this.fd);
    this.target.space?.release();
    try {
      unlinkSync(this.target.spoolPath);
    } catch {
      // already gone: nothing to discard
    }
  }

  get abortReason(): string | undefined {
    return this.aborted?.message;
  }
}

function closeQuietly(fd: number): void {
  try {
    closeSync(fd);
  } catch {
    // closed already
  }
}

export function partialName(name: string): string {
  return `${name}.part`;
}

export function spoolPathFor(spoolDir: string, name: string): string {
  return path.join(spoolDir, partialName(name));
}
