/** Another process's memory as the kernel counts it (/proc/<pid>/status), not this process's. */
import { readFile, writeFile } from 'node:fs/promises';

export interface ProcessMemory {
  /** Resident set size now, in bytes (VmRSS). */
  rss: number;
  /** The highest resident set size since start or since `resetPeak` (VmHWM), in bytes. */
  peak: number;
}

export async function processMemory(pid: number): Promise<ProcessMemory> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kilobytes = (field: string) => {
    const match = status.match(new RegExp(`^${field}:\\s+(\\d+) kB$`, 'm'));
    if (!match) throw new Error(`no ${field} in /proc/${pid}/status`);
    return Number(match[1]) * 1024;
  };
  return { rss: kilobytes('VmRSS'), peak: kilobytes('VmHWM') };
}

/**
 * Starts the peak over from the current size (writing 5 to clear_refs resets VmHWM), so that a
 * peak read later belongs to what happened in between, not to start-up.
 */
export async function resetPeak(pid: number): Promise<void> {
  await writeFile(`/proc/${pid}/clear_refs`, '5');
}

export const MB = 1024 * 1024;
