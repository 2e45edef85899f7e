/**
 * The jail. A session's whole world is `/`, `/inbox`, `/validate`, `/outbox` and the files
 * directly inside those three. Paths are normalised as text, `..` stopping at `/`, before anything
 * touches the disk; whatever lies outside answers exactly like a missing file.
 */
import type { Area } from '../data-layout.js';
import { fileNameProblem } from '../core/safe-name.js';

export const AREAS: readonly Area[] = ['inbox', 'validate', 'outbox'];

export type VirtualTarget =
  | { kind: 'root' }
  | { kind: 'area'; area: Area }
  | { kind: 'file'; area: Area; name: string }
  /** Outside the three folders: treated as not existing. */
  | { kind: 'missing' }
  /** Refused before any path is built (NUL, control characters, invalid UTF-8, too long). */
  | { kind: 'invalid'; problem: string };

/** `a/../../inbox//x` → `/inbox/x`; relative paths start at `/`, the session's home. */
export function normalisePath(raw: string): string {
  const segments: string[] = [];
  for (const segment of raw.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') segments.pop();
    else segments.push(segment);
  }
  return `/${segments.join('/')}`;
}

export function resolvePath(raw: string): VirtualTarget {
  if (raw.includes('\0')) return { kind: 'invalid', problem: 'the path contains a NUL byte' };
  const segments = normalisePath(raw).split('/').slice(1).filter(Boolean);
  if (segments.length === 0) return { kind: 'root' };
  const [first, name, ...rest] = segments as [string, ...string[]];
  const area = AREAS.find((candidate) => candidate === first);
  if (!area || rest.length > 0) return { kind: 'missing' };
  if (name === undefined) return { kind: 'area', area };
  const problem = fileNameProblem(name);
  if (problem) return { kind: 'invalid', problem };
  return { kind: 'file', area, name };
}
