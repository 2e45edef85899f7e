/**
 * PBJ's access and refresh tokens: JWTs signed and checked by `jose` with HS256 only (no `none`,
 * no algorithm taken from the token), bound to the partner's current API key, so that rotating
 * or revoking the key, or disabling the partner, ends every token it had.
 */
import { createHash, randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { errors, jwtVerify, SignJWT } from 'jose';
import { writeFileAtomic, isMissing, ensureDir } from '../fs/durable.js';

const ISSUER = 'posdrop';
const ALGORITHM = 'HS256';

export type TokenUse = 'access' | 'refresh';

export interface TokenHolder {
  id: string;
  enabled: boolean;
  apiKeyHash: string | null;
}

/** A short name of the key a token was issued under; never the hash itself. */
function keyMark(apiKeyHash: string): string {
  return createHash('sha256').update(apiKeyHash).digest('base64url').slice(0, 16);
}

export class TokenIssuer {
  constructor(
    private readonly secret: Uint8Array,
    private readonly lifetimes: () => { accessMinutes: number; refreshHours: number },
    private readonly now: () => Date,
  ) {}

  /** Reads the signing secret from `file`, creating it (0600) on first start. */
  static async secretFrom(file: string): Promise<Uint8Array> {
    try {
      const text = (await readFile(file, 'utf8')).trim();
      if (/^[A-Za-z0-9_-]{43}$/.test(text)) return Buffer.from(text, 'base64url');
      throw new Error(`${file} is not a posdrop API token key; delete it to have a new one made (every token ends)`);
    } catch (err) {
      if (!isMissing(err)) throw err;
    }
    await ensureDir(path.dirname(file), 0o700);
    const secret = randomBytes(32);
    await writeFileAtomic(file, `${secret.toString('base64url')}\n`, 0o600);
    return secret;
  }

  async issue(holder: TokenHolder, use: TokenUse): Promise<string> {
    const { accessMinutes, refreshHours } = this.lifetimes();
    const seconds = use === 'access' ? accessMinutes * 60 : refreshHours * 3600;
    const at = Math.floor(this.now().getTime() / 1000);
    return new SignJWT({ use, key: keyMark(holder.apiKeyHash ?? '') })
      .setProtectedHeader({ alg: ALGORITHM, typ: 'JWT' })
      .setIssuer(ISSUER)
      .setSubject(holder.id)
      .setIssuedAt(at)
      .setExpirationTime(at + seconds)
      .setJti(randomBytes(12).toString('base64url'))
      .sign(this.secret);
  }

  /**
   * The partner id a token of this use was issued to, if it is genuine, unexpired, and its
   * partner is enabled with the same API key still; otherwise why not.
   */
  async verify(token: string, use: TokenUse, holderOf: (id: string) => Promise<TokenHolder | undefined> | TokenHolder | undefined): Promise<{ partner: string } | { problem: string }> {
    let payload: Record<string, unknown>;
    try {
      ({ payload } = await jwtVerify(token, this.secret, { algorithms: [ALGORITHM], issuer: ISSUER, currentDate: this.now() }));
    } catch (err) {
      if (err instanceof errors.JWTExpired) return { problem: 'the token has expired; log in again' };
      return { problem: 'the token is not valid' };
    }
    const id = typeof payload.sub === 'string' ? payload.sub : '';
    const holder = await holderOf(id);
    if (payload.use !== use) return { problem: `this is not an ${use} token` };
    if (!holder?.enabled || !holder.apiKeyHash || payload.key !== keyMark(holder.apiKeyHash)) {
      return { problem: 'the token is no longer valid; log in again' };
    }
    return { partner: holder.id };
  }
}
