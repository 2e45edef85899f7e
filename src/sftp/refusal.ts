import type { UploadArea } from '../data-layout.js';
import { PosdropError, type RejectCode } from '../core/errors.js';

/** The protocol-neutral answers of the partner's file view. */
export type RefusalKind = 'no_such_file' | 'permission_denied' | 'failure' | 'op_unsupported';

/** A request the partner's view refuses, with a message meant for the partner. */
export class Refusal extends PosdropError {
  constructor(
    readonly kind: RefusalKind,
    message: string,
  ) {
    super(kind, message);
  }
}

export const noSuchFile = (): Refusal => new Refusal('no_such_file', 'No such file');

/**
 * Why an upload was refused before it reached the folder (past the size limit, or for its name
 * alone), in the intake's words, the same as its receipt's; `format` when the name was
 * recognised (a name already used).
 */
export interface UploadRefusalReason {
  code: RejectCode;
  message: string;
  format?: string;
}

/** An upload refused before it reached the folder, and why (past the size limit, or its name). */
export type UploadRefusedHandler = (partner: string, area: UploadArea, name: string, size: number, reason: UploadRefusalReason) => Promise<void> | void;

/** Asks the intake whether a file of this name would be refused for its name alone. */
export type NameScreen = (partner: string, area: UploadArea, name: string) => Promise<UploadRefusalReason | undefined>;
