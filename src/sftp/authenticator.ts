/**
 * Login for one connection. Passwords are checked against scrypt hashes in constant time; a
 * public key binds the partner only once the signature of the request is verified (the unsigned
 * query only learns "this key may sign"). Failures are slowed down, counted per connection and
 * reported to the defender per address.
 */
import ssh2, { type AuthContext, type AuthenticationType } from 'ssh2';
import type { Log } from '../log.js';
import { checkSecret, knownAccount, type Account, type AccountDirectory } from '../security/partner-login.js';
import { ACCEPTED_SIGNATURE_ALGOS, fingerprintOf, sameKey } from '../security/public-keys.js';
import type { Defender } from './defender.js';

export type { Account, AccountDirectory } from '../security/partner-login.js';

export interface AuthenticatorOptions {
  accounts: AccountDirectory;
  defender: Defender;
  address: string;
  maxAttempts: number;
  failureDelayMs: number;
  log: Log;
  /** Called when the connection has used up its attempts. */
  onExhausted: () => void;
  /** Called once for a connection that ends refused after offering only keys (see `ended`). */
  onKeyLoginFailed?: () => void;
}

const METHODS: AuthenticationType[] = ['publickey', 'password'];

/**
 * The signature algorithm of a public-key request. ssh2 reports an RSA key as `ssh-rsa` whatever
 * the client signs with, and tells the hash apart: `rsa-sha2-256` arrives as `ssh-rsa` + sha256,
 * while plain `ssh-rsa` (SHA-1) comes with no hash at all.
 */
export function signatureAlgorithm(keyAlgo: string, hashAlgo: string | undefined): string {
  if (keyAlgo !== 'ssh-rsa') return keyAlgo;
  if (hashAlgo === 'sha256') return 'rsa-sha2-256';
  if (hashAlgo === 'sha512') return 'rsa-sha2-512';
  return 'ssh-rsa';
}

/** Why a public key was refused, as the log says it. */
type KeyRefusal = 'unknown user' | 'partner disabled' | 'key not authorized' | `signature algorithm ${string} refused`;

export class Authenticator {
  private failures = 0;
  /** Password and signature failures, which the defender counts as they happen. */
  private counted = 0;
  private account: Account | undefined;
  /** The last public key refused on this connection, until it ends or logs in. */
  private refusedKey: { username: string; why: KeyRefusal; fingerprint: string; keys: number } | undefined;

  constructor(private readonly options: AuthenticatorOptions) {}

  /** The partner this connection logged in as. */
  get partner(): Account | undefined {
    return this.account;
  }

  handle(ctx: AuthContext): void {
    this.check(ctx).catch((err: unknown) => {
      this.options.log.error('sftp.auth_error', { address: this.options.address, error: String(err) });
      ctx.reject();
    });
  }

  private async check(ctx: AuthContext): Promise<void> {
    if (this.failures >= this.options.maxAttempts) {
      ctx.reject();
      return;
    }
    switch (ctx.method) {
      case 'password': {
        const account = await checkSecret(this.options.accounts, ctx.username, ctx.password, 'password');
        if (account) return this.accept(ctx, account);
        return this.fail(ctx, 'bad password', true);
      }
      case 'publickey': {
        const account = knownAccount(this.options.accounts, ctx.username);
        const usable = account?.enabled ? account : undefined;
        const algo = signatureAlgorithm(ctx.key.algo, ctx.hashAlgo);
        const known = usable?.keys.find((key) => sameKey(Buffer.from(key.publicKey, 'base64'), ctx.key.data));
        if (!ACCEPTED_SIGNATURE_ALGOS.has(algo)) return this.refuseKey(ctx, `signature algorithm ${algo} refused`);
        if (!account) return this.refuseKey(ctx, 'unknown user');
        if (!usable) return this.refuseKey(ctx, 'partner disabled');
        if (!known) return this.refuseKey(ctx, 'key not authorized');
        if (!ctx.signature) {
          ctx.accept(); // "this key may sign"; nothing is bound yet
          return;
        }
        const parsed = ssh2.utils.parseKey(`${known.algo} ${known.publicKey}`);
        const key = Array.isArray(parsed) ? parsed[0] : parsed;
        if (key && !(key instanceof Error) && key.verify(ctx.blob as Buffer, ctx.signature, ctx.hashAlgo) === true) {
          return this.accept(ctx, usable);
        }
        return this.fail(ctx, 'bad signature', true);
      }
      default:
        ctx.reject(METHODS);
    }
  }

  /**
   * The connection ended. One that offered public keys, none accepted, and never failed a password
   * or signature (those are logged and counted as they happen) is a failed login too: a removed
   * key, a disabled partner, an unknown user. Counted once per connection, not per key offered,
   * since a client tries every key it has and one of them may still be let in.
   */
  ended(): void {
    const refused = this.refusedKey;
    if (this.account || !refused || this.counted > 0) return;
    this.refusedKey = undefined;
    this.options.log.warn('sftp.login_failed', { address: this.options.address, username: refused.username, method: 'publickey', why: refused.why, fingerprint: refused.fingerprint, keys_offered: refused.keys });
    this.options.onKeyLoginFailed?.();
  }

  private refuseKey(ctx: AuthContext & { method: 'publickey' }, why: KeyRefusal): Promise<void> {
    const fingerprint = fingerprintOf(ctx.key.data);
    this.refusedKey = { username: ctx.username, why, fingerprint, keys: (this.refusedKey?.keys ?? 0) + 1 };
    this.options.log.info('sftp.key_refused', { address: this.options.address, username: ctx.username, why, fingerprint });
    return this.fail(ctx, why, false);
  }

  private accept(ctx: AuthContext, account: Account): void {
    this.account = account;
    this.options.log.info('sftp.login', { partner: account.id, address: this.options.address, method: ctx.method });
    ctx.accept();
  }

  private async fail(ctx: AuthContext, why: string, slowDown: boolean): Promise<void> {
    this.failures += 1;
    const { address, defender, log, failureDelayMs, maxAttempts } = this.options;
    if (slowDown) {
      this.counted += 1;
      defender.recordFailure(address);
      log.warn('sftp.login_failed', { address, username: ctx.username, method: ctx.method, why, attempt: this.failures });
      await new Promise((resolve) => setTimeout(resolve, failureDelayMs));
    }
    ctx.reject(METHODS);
    if (this.failures >= maxAttempts || defender.isBanned(address)) {
      log.warn('sftp.login_exhausted', { address, attempts: this.failures });
      this.options.onExhausted();
    }
  }
}
