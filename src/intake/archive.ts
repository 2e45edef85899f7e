/** Originals leave the inbox for `archive/<partner>/<YYYY-MM-DD>/` once their answer is final. */
import { unlink } from 'node:fs/promises';
import path from 'node:path';
import type { DataLayout } from '../data-layout.js';
import { ensureDir, errnoCode, isMissing, moveNoReplace, pathExists } from '../fs/durable.js';
import type { FileRecord } from '../store/files.js';

/**
 * Moves `source` into the archive and returns its path relative to the data directory. A copy of
 * a file already archived (the same bytes sent again) is simply removed.
 */
export async function archiveOriginal(layout: DataLayout, file: FileRecord, source: string): Promise<string | undefined> {
  if (file.archivePath && (await pathExists(path.join(layout.root, file.archivePath)))) {
    await unlink(source).catch((err: unknown) => {
      if (!isMissing(err)) throw err;
    });
    return file.archivePath;
  }
  const dir = layout.archiveDir(file.partner, file.receivedAt.slice(0, 10));
  await ensureDir(dir);
  for (const candidate of [file.name, `${file.name}~${file.id}`]) {
    const target = path.join(dir, candidate);
    try {
      await moveNoReplace(source, target);
      return path.relative(layout.root, target);
    } catch (err) {
      if (isMissing(err)) return undefined;
      if (errnoCode(err) !== 'EEXIST') throw err;
    }
  }
  throw new Error(`cannot archive ${file.name}: ${dir} already holds both of its archive names`);
}
