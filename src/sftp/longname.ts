/** `ls -l` lines for READDIR: FileZilla and WinSCP read the file type from the first letter. */
import { differenceInDays } from 'date-fns/differenceInDays';
import { lightFormat } from 'date-fns/lightFormat';
import type { EntryInfo } from './partner-view.js';

// Month names without a locale: date-fns's `format` would load every locale's machinery (10 MB).
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

export function longname(entry: EntryInfo, owner: string, now: Date): string {
  const perms = permissions(entry.mode, entry.isDirectory);
  // As ls -l: the time for the last half year, the year for anything older (or in the future).
  const recent = Math.abs(differenceInDays(now, entry.mtime)) < 182;
  const when = `${MONTHS[entry.mtime.getMonth()]} ${lightFormat(entry.mtime, recent ? 'dd HH:mm' : 'dd  yyyy')}`;
  const user = owner.slice(0, 8).padEnd(8);
  return `${perms}    1 ${user} ${user} ${String(entry.size).padStart(8)} ${when} ${entry.name}`;
}

function permissions(mode: number, isDirectory: boolean): string {
  const bits = 'rwxrwxrwx';
  let text = isDirectory ? 'd' : '-';
  for (let i = 0; i < 9; i += 1) text += mode & (1 << (8 - i)) ? bits[i] : '-';
  return text;
}
