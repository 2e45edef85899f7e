/**
 * How far another process has read a file: Linux shows every open file of a process in
 * `/proc/<pid>/fd` and its offset in `/proc/<pid>/fdinfo`. `posdrop reprocess` uses it to show
 * how far the daemon is through a big file without asking the daemon anything. Reading another
 * user's `/proc/<pid>/fd` needs the same user (or root); without it there is simply no figure.
 */
import { readFile, readdir, readlink } from 'node:fs/promises';

/** The offset of `pid`'s open descriptor on `file`, or undefined when none is visible. */
export async function readPosition(pid: number, file: string): Promise<number | undefined> {
  let descriptors: string[];
  try {
    descriptors = await readdir(`/proc/${pid}/fd`);
  } catch {
    return undefined;
  }
  for (const fd of descriptors) {
    const target = await readlink(`/proc/${pid}/fd/${fd}`).catch(() => undefined);
    if (target !== file) continue;
    const info = await readFile(`/proc/${pid}/fdinfo/${fd}`, 'utf8').catch(() => undefined);
    const pos = info && /^pos:\s+(\d+)/m.exec(info)?.[1];
    if (pos) return Number(pos);
  }
  return undefined;
}
