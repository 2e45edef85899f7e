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
    let size = 0;
    for await (const chunk of handle.createReadStream({ highWaterMark: 1 << 20, autoClose: false })) {
      hash.update(chunk as Buffer);
      size += (chunk as Buffer).length;
    }
    return { sha256: hash.digest('hex'), size };
  } finally {
    await handle.close();
  }
}
