/**
 * Who may log in, for every listener (SFTP and the partner API): an account found by a valid
 * partner id, enabled, whose secret of the asked kind matches its scrypt hash. The full work is
 * done for unknown or disabled accounts too, so timing tells nothing about which exist.
 */
import { partnerIdProblem } from '../core/safe-name.js';
import { verifyPassword } from './password.js';

/** A partner as the listeners need it; read fresh on every login. */
export interface Account {
  id: string;
  enabled: boolean;
  passwordHash: string | null;
  /** The hash of the partner API key (`posdrop partners api-key`), if it has one. */
  apiKeyHash: string | null;
  /** authorized_keys lines: `<algo> <base64>`. */
  keys: readonly { algo: string; publicKey: string }[];
  maxUploadBytes: number | null;
  /** Raised whenever access is taken away; a login remembers the one it was made with. */
  credentialsVersion: number;
}

/** Where accounts are looked up: one store query per login attempt. */
export interface AccountDirectory {
  find(username: string): Promise<Account | undefined>;
}

/** The secrets a partner may log in with: its SFTP password or its API key. */
export type SecretKind = 'password' | 'api_key';

/** The account a login name stands for, enabled or not; none for a name no partner could have. */
export async function knownAccount(accounts: AccountDirectory, username: string): Promise<Account | undefined> {
  return partnerIdProblem(username) ? undefined : accounts.find(username);
}

/** The account a login name stands for, if it may log in at all. */
export async function usableAccount(accounts: AccountDirectory, username: string): Promise<Account | undefined> {
  const account = await knownAccount(accounts, username);
  return account?.enabled ? account : undefined;
}

/** The account when `secret` is its secret of that kind; undefined otherwise (after the same work). */
export async function checkSecret(accounts: AccountDirectory, username: string, secret: string, kind: SecretKind): Promise<Account | undefined> {
  const account = await usableAccount(accounts, username);
  const hash = kind === 'password' ? account?.passwordHash : account?.apiKeyHash;
  const ok = await verifyPassword(secret, hash);
  return ok ? account : undefined;
}

/** Failed logins per address, shared by every listener: one ban, whichever way the guesses came. */
export interface LoginDefender {
  isBanned(address: string): boolean;
  /** A failed login from `address`; under `account` too when the name could be a partner's. */
  recordFailure(address: string, account?: string): void;
  /** Until when the account's secrets are not even checked from `address`, if locked out. */
  accountLock(account: string, address: string): Date | undefined;
}
