import { PosdropError } from '../core/errors.js';

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
