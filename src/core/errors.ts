/**
 * Typed errors with stable codes. The class decides what happens next:
 * - {@link FileRejected}: final, the partner's fault; the file is answered and archived.
 * - {@link TransientError}: I/O that may succeed later; the file is retried.
 * - anything else thrown while handling a file is a bug: the file becomes `failed`.
 */

/** Why a whole file was refused. Stable: partners and operators match on these. */
export type RejectCode =
  | 'name_invalid'
  | 'name_unrecognised'
  | 'name_date_invalid'
  | 'name_date_future'
  | 'name_counter_invalid'
  | 'name_client_mismatch'
  | 'name_channel_unknown'
  | 'name_used'
  | 'withdrawn'
  | 'not_regular_file'
  | 'oversize'
  | 'not_utf8'
  | 'unparseable'
  | 'too_deep'
  | 'too_large'
  | 'invalid_content'
  | 'format_unavailable'
  | 'not_compressed'
  | 'archive_member_path'
  | 'archive_member_name'
  | 'archive_member_pending'
  | 'too_many_members'
  | 'inflated_too_large'
  | 'compression_ratio'
  | 'not_decryptable'
  | 'bad_signature'
  | 'pgp_unavailable';

export class PosdropError extends Error {
  constructor(
    readonly code: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A refusal of a whole file; the message goes to the partner verbatim. */
export class FileRejected extends PosdropError {
  constructor(
    override readonly code: RejectCode,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(code, message);
  }
}

/** An I/O fault worth retrying (disk full, file busy). */
export class TransientError extends PosdropError {}

/** A configuration that cannot be used; `problems` names every wrong key at once. */
export class ConfigError extends PosdropError {
  constructor(readonly problems: string[]) {
    super('config_invalid', `invalid configuration:\n  - ${problems.join('\n  - ')}`);
  }
}

/** Wrong use of the CLI: one clear line, exit status 2. */
export class UsageError extends PosdropError {
  constructor(message: string) {
    super('usage', message);
  }
}

/** Something the operator asked for is not allowed or did not work (exit status 1). */
export class OperatorError extends PosdropError {}

/**
 * A file, partner or key the operator named does not exist, or two names that disagree (an id
 * and a `--partner`): misuse, exit status 2, like a mistyped option.
 */
export class NotFound extends OperatorError {
  constructor(message: string, code = 'not_found') {
    super(code, message);
  }
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
