/**
 * Compressed and encrypted uploads: a name ending in `.gz` holds one file, named without the
 * ending, and so does one ending in `.pgp`, `.gpg` or `.asc` (OpenPGP); a `.zip` holds the files its
 * members name. Pure: which names are envelopes, what a member may be called, and the limits
 * checked while the bytes come out.
 */
import type { RejectCode } from './errors.js';
import { uploadNameProblem } from './safe-name.js';

export type EnvelopeKind = 'gzip' | 'zip' | 'pgp';

export interface Envelope {
  kind: EnvelopeKind;
  /** For gzip: the one file inside. */
  inner?: string;
}

/** The envelope a file name announces (any case of the extension), or undefined for a plain file. */
export function envelopeOf(name: string): Envelope | undefined {
  const lower = name.toLowerCase();
  if (lower.endsWith('.gz') && name.length > 3) return { kind: 'gzip', inner: name.slice(0, -3) };
  for (const ending of ['.pgp', '.gpg', '.asc']) {
    if (lower.endsWith(ending) && name.length > 4) return { kind: 'pgp', inner: name.slice(0, -4) };
  }
  if (lower.endsWith('.zip') && name.length > 4) return { kind: 'zip' };
  return undefined;
}

/** Caps on what a compressed upload may inflate to, checked while it inflates. */
export interface InflateLimits {
  /** Bytes one member may inflate to (the partner's upload limit). */
  maxBytes: number;
  /** Inflated bytes per compressed byte, over the whole file. */
  maxRatio: number;
  maxMembers: number;
}

export interface MemberProblem {
  code: RejectCode;
  message: string;
}

/**
 * Why a zip member may not be taken: a path of any kind (`../x`, `/etc/x`, `a/b.csv`, a backslash)
 * is never extracted to, and a name must be one an upload could have.
 */
export function memberNameProblem(member: string): MemberProblem | undefined {
  if (/[/\\]/.test(member)) {
    return { code: 'archive_member_path', message: `the archive member "${member}" has a folder path; only files at the top of the archive are taken, and nothing in it was` };
  }
  const problem = uploadNameProblem(member);
  return problem ? { code: 'archive_member_name', message: `the archive member "${member}" cannot be a file name here: ${problem}` } : undefined;
}

/** The problem once `inflated` bytes have come out of `compressed` bytes so far, if any. */
export function inflateProblem(member: string, memberBytes: number, inflated: number, compressed: number, limits: InflateLimits): MemberProblem | undefined {
  if (memberBytes > limits.maxBytes) {
    return { code: 'inflated_too_large', message: `"${member}" inflates to more than ${limits.maxBytes} bytes, the upload limit; nothing of this file was taken` };
  }
  if (inflated > 64 * 1024 && inflated > compressed * limits.maxRatio) {
    return {
      code: 'compression_ratio',
      message: `the file inflates more than ${limits.maxRatio} times its compressed size (a compression bomb is refused); nothing of it was taken`,
    };
  }
  return undefined;
}
