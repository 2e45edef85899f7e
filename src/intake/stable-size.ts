/**
 * A file copied into an inbox by hand (not through the SFTP server's atomic rename) may still be
 * growing: it is taken once its size and mtime have not changed for `quietMs`.
 */
import { lstat } from 'node:fs/promises';
import { isMissing } from '../fs/durable.js';

const MAX_ROUNDS = 600;

/** Resolves true once the file is quiet, false if it disappeared or never settled. */
export async function waitUntilStable(file: string, quietMs: number): Promise<boolean> {
  let before = await snapshot(file);
  for (let round = 0; round < MAX_ROUNDS && before; round += 1) {
    if (quietMs > 0) await new Promise((resolve) => setTimeout(resolve, quietMs));
    const after = await snapshot(file);
    if (after === before) return true;
    before = after;
  }
  return false;
}

async function snapshot(file: string): Promise<string | undefined> {
  try {
    const stats = await lstat(file);
    return `${stats.ino}:${stats.size}:${stats.mtimeMs}`;
  } catch (err) {
    if (isMissing(err)) return undefined;
    throw err;
  }
}
