/**
 * Names that come from outside (SFTP paths, CLI arguments, directory listings) are checked here
 * before any file-system path is built from them.
 */

const MAX_NAME_BYTES = 255;
// C0 controls, DEL, C1 controls, lone surrogates; U+FFFD is what a decoder makes of invalid UTF-8.
const FORBIDDEN = /[\u0000-\u001f\u007f-\u009f\ud800-\udfff\ufffd]/u;
const PARTNER_ID = /^[a-z0-9][a-z0-9._-]{0,63}$/;

/** Why `name` cannot be a file name in a partner folder, or undefined when it can. */
export function fileNameProblem(name: string): string | undefined {
  if (name.length === 0) return 'the file name is empty';
  if (name === '.' || name === '..') return `"${name}" is not a file name`;
  if (name.includes('/') || name.includes('\\')) return 'a file name may not contain / or \\';
  if (FORBIDDEN.test(name)) return 'the file name contains control characters or invalid UTF-8';
  if (name.startsWith('.')) return 'a file name may not start with a dot';
  if (Buffer.byteLength(name, 'utf8') > MAX_NAME_BYTES) {
    return `the file name is longer than ${MAX_NAME_BYTES} bytes`;
  }
  return undefined;
}

/** Why `id` cannot be a partner id (lower-case letters, digits, `.`, `_`, `-`; up to 64). */
export function partnerIdProblem(id: string): string | undefined {
  if (PARTNER_ID.test(id)) return undefined;
  return `"${id}" is not a valid partner id: use 1-64 lower-case letters, digits, ".", "_" or "-", starting with a letter or digit`;
}

/**
 * Uploaded names are kept shorter than the 255 bytes a file system allows, so that the outbox
 * names built from them (`<name>.dry-run.receipt.json`) still fit.
 */
export const MAX_UPLOAD_NAME_BYTES = 200;

/** `fileNameProblem`, plus the shorter length limit for names partners upload. */
export function uploadNameProblem(name: string): string | undefined {
  const problem = fileNameProblem(name);
  if (problem) return problem;
  if (Buffer.byteLength(name, 'utf8') > MAX_UPLOAD_NAME_BYTES) {
    return `the file name is longer than ${MAX_UPLOAD_NAME_BYTES} bytes`;
  }
  return undefined;
}

const TEMPORARY = /\.(part|filepart|tmp)$/i;

/**
 * Upload clients write to names like `x.json.filepart` and rename them when done; such a name is
 * not ingested until it is renamed to its final name.
 */
export function looksTemporary(name: string): boolean {
  return TEMPORARY.test(name);
}
