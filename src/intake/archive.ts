/** Originals leave the inbox for `archive/<partner>/<YYYY-MM-DD>/` once their answer is final. */
import { unlink } from 'node:fs/promises';
import path from 'node:path';
import type { DataLayout } from '../data-layout.js';
import { ensureDir, errnoCode, isMissing, moveNoReplace } from '../fs/durable.js';
import type { FileRecord } from '../store/files.js';

/**
 * Moves `source` to the file's archive path (recorded with its final state). A copy of a file
 * already archived (the same bytes sent again, or found again after a restart) is removed.
 */
export async function archiveOriginal(layout: DataLayout, file: FileRecord, source: string): Promise<void> {
  const target = path.join(layout.root, file.archivePath ?? layout.archivePathOf(file));
  await ensureDir(path.dirname(target));
  try {
    await moveNoReplace(source, target);
  } catch (err) {
    if (isMissing(err)) return;
    if (errnoCode(err) !== 'EEXIST') throw err;
    await unlink(source).catch((gone: unknown) => {
      if (!isMissing(gone)) throw gone;
    });
  }
}
