/**
 * What the defender decides and the store keeps: a ban of an address or a network prefix, or a
 * lock-out of an account's password logins, until a time.
 */

/** Who is refused: one address, a network prefix (`10.1.2.0/24`), or an account's passwords. */
export type BanScope = 'address' | 'prefix' | 'account';

/** Why: failed logins, or connections closed without any login attempt. */
export type BanCause = 'login' | 'noauth';

export interface BanRecord {
  scope: BanScope;
  /** The address, the prefix in CIDR notation, or the account name. */
  subject: string;
  cause: BanCause;
  /** Failures counted when it was given. */
  failures: number;
  /** How many lock-outs in a row (an account's grows; 1 otherwise). */
  strikes: number;
  bannedAt: Date;
  until: Date;
}
