/** `ls -l` lines for READDIR: FileZilla and WinSCP read the file type from the first letter. */
import { format } from 'date-fns';
import type { EntryInfo } from './partner-view.js';

const HALF_YEAR_MS = 182 * 24 * 3600 * 1000;

export function longname(entry: EntryInfo, owner: string, now: Date): string {
  const perms = permissions(entry.mode, entry.isDirectory);
  const recent = Math.abs(now.getTime() - entry.mtime.getTime()) < HALF_YEAR_MS;
  const when = format(entry.mtime, recent ? 'MMM dd HH:mm' : 'MMM dd  yyyy');
  const user = owner.slice(0, 8).padEnd(8);
  return `${perms}    1 ${user} ${user} ${String(entry.size).padStart(8)} ${when} ${entry.name}`;
}

function permissions(mode: number, isDirectory: boolean): string {
  const bits = 'rwxrwxrwx';
  let text = isDirectory ? 'd' : '-';
  for (let i = 0; i < 9; i += 1) text += mode & (1 << (8 - i)) ? bits[i] : '-';
  return text;
}
