/** A file's identity is (partner, name, sha256); this reads the last two from disk. */
import { createHash } from 'node:crypto';
import { constants } from 'node:fs';
import { openRegularFile } from '../fs/regular-file.js';

export interface FileDigest {
  sha256: string;
  size: number;
}

/** Hashes a regular file without following links; undefined when it is not one (or is gone). */
export async function digestFile(file: string): Promise<FileDigest | undefined> {
  const handle = await openRegularFile(file, constants.O_RDONLY);
  if (!handle) return undefined;
  try {
    const hash = createHash('sha256');
    // One buffer read into again and again: a stream's fresh 1 MB chunks of a 50 MB file pile up
    // as external memory faster than the collector frees them.
    const buffer = Buffer.allocUnsafe(256 * 1024);
    let size = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, null);
      if (bytesRead === 0) break;
      hash.update(buffer.subarray(0, bytesRead));
      size += bytesRead;
    }
    return { sha256: hash.digest('hex'), size };
  } finally {
    await handle.close();
  }
}
