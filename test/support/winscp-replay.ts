/**
 * WinSCP's requests, replayed with ssh2's client (WinSCP itself runs on Windows). The order is
 * that of its SFTP source (`TSFTPFileSystem::Source`, `SFTPOpenRemote`, `Sink`) for a file above
 * its resume threshold (100 KB by default), which is what batch files usually are.
 */
import type { SFTPWrapper, Stats } from 'ssh2';
import { OPEN_MODE, sftpCall, sftpCode, STATUS } from './clients.js';

/**
 * About WinSCP's write size (32 KiB less its packet overhead), and no more than ssh2's client
 * sends in one WRITE: it splits a larger one and sends the rest only after the first part's reply,
 * which would put that rest behind the CLOSE.
 */
const CHUNK = 31 * 1024;
/** The local file's modification time WinSCP preserves (any fixed value will do). */
const LOCAL_MTIME = 1_700_000_000;

export interface WinScpUploadOptions {
  /** Stop after this many bytes, without CLOSE, as a transfer cut short does. */
  stopAt?: number;
}

/** STAT, answering undefined for "no such file" as WinSCP's `RemoteFileExists` does. */
async function statIfThere(sftp: SFTPWrapper, remote: string): Promise<Stats | undefined> {
  try {
    return await sftpCall.stat(sftp, remote);
  } catch (err) {
    if (sftpCode(err) === STATUS.NO_SUCH_FILE) return undefined;
    throw err;
  }
}

/**
 * Uploads `data` as `remote` the way WinSCP does: STAT of the target and of `<remote>.filepart`;
 * OPEN of the .filepart (TRUNC unless a partial is there to resume); 32 KiB WRITEs in flight
 * together, with CLOSE sent before their replies are read; REMOVE of the target when STAT found
 * it; RENAME of the .filepart onto it; SETSTAT of the time (and of the mode it replaced).
 */
export async function winscpUpload(sftp: SFTPWrapper, data: Buffer, remote: string, options: WinScpUploadOptions = {}): Promise<void> {
  const target = await statIfThere(sftp, remote);
  const partialName = `${remote}.filepart`;
  const partial = await statIfThere(sftp, partialName);
  const resumeFrom = partial && partial.size <= data.length ? partial.size : 0;
  const flags = OPEN_MODE.WRITE | OPEN_MODE.CREAT | (resumeFrom > 0 ? 0 : OPEN_MODE.TRUNC);
  const handle = await sftpCall.open(sftp, partialName, flags);
  const end = options.stopAt ?? data.length;
  const writes: Promise<void>[] = [];
  for (let offset = resumeFrom; offset < end; offset += CHUNK) {
    writes.push(sftpCall.write(sftp, handle, data.subarray(offset, Math.min(offset + CHUNK, end)), offset));
  }
  if (options.stopAt !== undefined) {
    await Promise.all(writes);
    return;
  }
  await Promise.all([...writes, sftpCall.close(sftp, handle)]);
  if (target) await sftpCall.unlink(sftp, remote);
  await sftpCall.rename(sftp, partialName, remote);
  await sftpCall.setstat(sftp, remote, {
    atime: LOCAL_MTIME,
    mtime: LOCAL_MTIME,
    // Replacing a file, WinSCP gives the new one the old one's permissions.
    ...(target ? { mode: target.mode & 0o777 } : {}),
  });
}

/** Downloads `remote` as WinSCP does: OPEN for reading, FSTAT, READs up to the size, CLOSE. */
export async function winscpDownload(sftp: SFTPWrapper, remote: string): Promise<Buffer> {
  const handle = await sftpCall.open(sftp, remote, OPEN_MODE.READ);
  const { size } = await sftpCall.fstat(sftp, handle);
  const reads: Promise<Buffer>[] = [];
  for (let offset = 0; offset < size; offset += CHUNK) reads.push(sftpCall.read(sftp, handle, Math.min(CHUNK, size - offset), offset));
  const parts = await Promise.all(reads);
  await sftpCall.close(sftp, handle);
  return Buffer.concat(parts);
}
