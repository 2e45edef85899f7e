/**
 * Durable file operations: what is renamed into place is on disk first (file fsync), and the
 * rename itself survives a power loss (folder fsync).
 */
import { randomBytes } from 'node:crypto';
import { closeSync, constants, fsync, linkSync, openSync, unlinkSync } from 'node:fs';
import { lstat, mkdir, open, readdir, rename, unlink } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';

const fsyncFd = promisify(fsync);

/**
 * Makes a folder's entries durable. Opening and closing are synchronous: on a local folder they
 * take microseconds, less than a trip through libuv's thread pool; the fsync itself waits on the
 * disk, so it goes to the pool.
 */
export async function fsyncDir(dir: string): Promise<void> {
  const fd = openSync(dir, constants.O_RDONLY | constants.O_DIRECTORY);
  try {
    await fsyncFd(fd);
  } finally {
    closeSync(fd);
  }
}

/** fsync of an open descriptor, off the event loop. */
export function fsyncFile(fd: number): Promise<void> {
  return fsyncFd(fd);
}

/**
 * Writes `data` under a temporary dot-name beside `file` and renames it into place: a reader sees
 * the old content or the new, never half. With `durable`, the content and the rename are also
 * fsynced before this resolves (what a power loss must not take back).
 */
export async function writeFileAtomic(file: string, data: string | Uint8Array, mode = 0o640, durable = true): Promise<void> {
  const dir = path.dirname(file);
  const temp = path.join(dir, `.${path.basename(file)}.${randomBytes(4).toString('hex')}.tmp`);
  const handle = await open(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, mode);
  try {
    await handle.writeFile(data);
    if (durable) await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await rename(temp, file);
  } catch (err) {
    await unlink(temp).catch(() => undefined);
    throw err;
  }
  if (durable) await fsyncDir(dir);
}

/**
 * Moves `from` to `to` without ever replacing an existing `to` (fails with EEXIST), then makes
 * the new name durable. A hard link is the atomic no-replace rename that works on every Linux
 * file system posdrop's data directory may be on. The old name's removal is not waited for: a
 * file that comes back after a power loss is the same file, and every reader of those folders
 * (the intake, the spool sweep) recognises it by identity.
 */
export async function moveNoReplace(from: string, to: string): Promise<void> {
  linkSync(from, to);
  unlinkSync(from);
  await fsyncDir(path.dirname(to));
}

export async function ensureDir(dir: string, mode = 0o750): Promise<void> {
  await mkdir(dir, { recursive: true, mode });
}

/** True for errors that mean "it is not there". */
export function isMissing(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

export function errnoCode(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | undefined)?.code;
}

/** Whether anything (a file, folder or link, not followed) is at `file`. */
export async function pathExists(file: string): Promise<boolean> {
  try {
    await lstat(file);
    return true;
  } catch (err) {
    if (isMissing(err)) return false;
    throw err;
  }
}

/** The names in `dir`; none when it does not exist (yet). */
export async function namesIn(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch (err) {
    if (isMissing(err)) return [];
    throw err;
  }
}
