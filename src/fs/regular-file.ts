/**
 * Opening files that outsiders may have planted things in place of: a link is never followed
 * (O_NOFOLLOW), and a FIFO or device is never waited on (O_NONBLOCK: a plain open of a FIFO
 * blocks until a writer comes, holding one of libuv's few threads for good). What is not a
 * regular file once opened is closed again and reported as absent.
 */
import { closeSync, constants, fstatSync, openSync } from 'node:fs';
import { lstat, open, type FileHandle } from 'node:fs/promises';
import { errnoCode, isMissing } from './durable.js';

/** `O_NONBLOCK` changes nothing for regular files on Linux; it only keeps special files from blocking. */
const SAFE_FLAGS = constants.O_NOFOLLOW | constants.O_NONBLOCK;

/**
 * Opens `file` with `flags` if it is a regular file; undefined when it is a link, a special file
 * or (without O_CREAT) missing.
 */
export async function openRegularFile(file: string, flags: number, mode?: number): Promise<FileHandle | undefined> {
  let handle: FileHandle;
  try {
    handle = await open(file, flags | SAFE_FLAGS, mode);
  } catch (err) {
    // ELOOP: a link; ENXIO: a FIFO opened for writing with nobody reading.
    if (isMissing(err) || errnoCode(err) === 'ELOOP' || errnoCode(err) === 'ENXIO') return undefined;
    throw err;
  }
  try {
    if ((await handle.stat()).isFile()) return handle;
  } catch (err) {
    await handle.close();
    throw err;
  }
  await handle.close();
  return undefined;
}

/**
 * `openRegularFile`, synchronously, returning the descriptor: for the SFTP server's uploads, where
 * the open is on the request's path and takes microseconds on the local spool.
 */
export function openRegularFileSync(file: string, flags: number, mode?: number): number | undefined {
  let fd: number;
  try {
    fd = openSync(file, flags | SAFE_FLAGS, mode);
  } catch (err) {
    if (isMissing(err) || errnoCode(err) === 'ELOOP' || errnoCode(err) === 'ENXIO') return undefined;
    throw err;
  }
  try {
    if (fstatSync(fd).isFile()) return fd;
  } catch (err) {
    closeSync(fd);
    throw err;
  }
  closeSync(fd);
  return undefined;
}

/** True when `dir` is a folder itself, not a link to one. */
export async function isRealDirectory(dir: string): Promise<boolean> {
  try {
    return (await lstat(dir)).isDirectory();
  } catch (err) {
    if (isMissing(err)) return false;
    throw err;
  }
}
