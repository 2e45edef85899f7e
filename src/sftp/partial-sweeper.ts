/**
 * Partials nobody resumes: an interrupted upload stays in the spool so that the client can
 * resume it, until it has not grown for `partial_expiry_hours`; then it is deleted.
 */
import { lstat, readdir, unlink } from 'node:fs/promises';
import path from 'node:path';
import { fileNameProblem, partnerIdProblem } from '../core/safe-name.js';
import type { DataLayout, UploadArea } from '../data-layout.js';
import { isMissing } from '../fs/durable.js';
import type { Log } from '../log.js';
import { partialName } from './upload.js';
import { uploadKey, type UploadRegistry } from './upload-registry.js';

export interface SweepOptions {
  layout: DataLayout;
  registry: UploadRegistry;
  expiryMs: number;
  now: () => Date;
  log: Log;
}

const PART = '.part';

/** Deletes the expired partials that no session is writing; resolves with how many. */
export async function sweepExpiredPartials(options: SweepOptions): Promise<number> {
  const { layout, registry, log } = options;
  const oldest = options.now().getTime() - options.expiryMs;
  let deleted = 0;
  for (const partner of await names(layout.spoolRoot)) {
    if (partnerIdProblem(partner)) continue;
    for (const area of ['inbox', 'validate'] as UploadArea[]) {
      const dir = layout.spoolDir(partner, area);
      for (const entry of await names(dir)) {
        const name = entry.slice(0, -PART.length);
        if (!entry.endsWith(PART) || fileNameProblem(name) || partialName(name) !== entry) continue;
        if (registry.isActive(uploadKey(partner, area, name))) continue;
        const file = path.join(dir, entry);
        const stats = await lstat(file).catch(() => undefined);
        if (!stats?.isFile() || stats.mtimeMs >= oldest) continue;
        try {
          await unlink(file);
        } catch (err) {
          if (isMissing(err)) continue;
          throw err;
        }
        deleted += 1;
        log.info('sftp.partial_expired', { partner, area, file: name, size: stats.size, last_written: stats.mtime.toISOString() });
      }
    }
  }
  return deleted;
}

async function names(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch (err) {
    if (isMissing(err)) return [];
    throw err;
  }
}
