/** A file's identity is (partner, name, sha256); this reads the last two from disk. */
import { createHash } from 'node:crypto';
import { constants } from 'node:fs';
import { open } from 'node:fs/promises';

export interface FileDigest {
  sha256: string;
  size: number;
}

/** Hashes a regular file without following links; undefined when it is not one. */
export async function digestFile(file: string): Promise<FileDigest | undefined> {
  const handle = await open(file, constants.O_RDONLY | constants.O_NOFOLLOW);
  try {
    const stats = await handle.stat();
    if (!stats.isFile()) return undefined;
    const hash = createHash('sha256');
    let size = 0;
    // One buffer for the whole file: a fresh one per read leaves tens of MB of garbage outside
    // the heap (a 50 MB upload) before a collection notices it.
    const piece = Buffer.allocUnsafe(256 * 1024);
    for (let read = await handle.read(piece, 0, piece.length, null); read.bytesRead > 0; read = await handle.read(piece, 0, piece.length, null)) {
      hash.update(piece.subarray(0, read.bytesRead));
      size += read.bytesRead;
    }
    return { sha256: hash.digest('hex'), size };
  } finally {
    await handle.close();
  }
}
