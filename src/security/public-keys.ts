/**
 * Partner public keys, in OpenSSH `authorized_keys` form (`ssh-ed25519 AAAA… comment`).
 * SHA-1 signature types (`ssh-rsa` signatures, DSA) are not accepted for login; RSA keys sign
 * with `rsa-sha2-256` / `rsa-sha2-512`.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import ssh2 from 'ssh2';

export interface PublicKeyEntry {
  algo: string;
  /** The SSH wire blob, base64, as in authorized_keys. */
  publicKey: string;
  comment: string;
  fingerprint: string;
}

const ACCEPTED_KEY_TYPES = new Set([
  'ssh-ed25519',
  'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521',
  'ssh-rsa',
  'sk-ssh-ed25519@openssh.com',
  'sk-ecdsa-sha2-nistp256@openssh.com',
]);

/** Signature algorithms a client may log in with. */
export const ACCEPTED_SIGNATURE_ALGOS: ReadonlySet<string> = new Set([
  'ssh-ed25519',
  'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521',
  'rsa-sha2-256',
  'rsa-sha2-512',
]);

/** Parses one authorized_keys line; throws an Error whose message says what is wrong. */
export function parsePublicKeyLine(line: string): PublicKeyEntry {
  const parts = line.trim().split(/\s+/);
  const [algo, blob] = parts;
  if (!algo || !blob) throw new Error('expected "<type> <base64 key> [comment]", as in authorized_keys');
  if (!ACCEPTED_KEY_TYPES.has(algo)) {
    throw new Error(`key type ${algo} is not accepted (use ssh-ed25519, ecdsa-sha2-*, or ssh-rsa of 2048 bits or more)`);
  }
  const parsed = ssh2.utils.parseKey(`${algo} ${blob}`);
  if (parsed instanceof Error) throw new Error(`not a valid ${algo} public key: ${parsed.message}`);
  const key = Array.isArray(parsed) ? parsed[0] : parsed;
  if (!key || key.type !== algo) throw new Error(`the key data is not of type ${algo}`);
  if (algo === 'ssh-rsa' && rsaBits(key.getPublicSSH()) < 2048) {
    throw new Error('RSA keys must have at least 2048 bits');
  }
  const wire = key.getPublicSSH();
  return {
    algo,
    publicKey: wire.toString('base64'),
    comment: parts.slice(2).join(' '),
    fingerprint: fingerprintOf(wire),
  };
}

/** `SHA256:…` as `ssh-keygen -l` prints it. */
export function fingerprintOf(wire: Buffer): string {
  return `SHA256:${createHash('sha256').update(wire).digest('base64').replace(/=+$/, '')}`;
}

/** Constant-time equality of two key blobs. */
export function sameKey(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

function rsaBits(wire: Buffer): number {
  // string "ssh-rsa", mpint e, mpint n
  let offset = 0;
  const next = () => {
    const length = wire.readUInt32BE(offset);
    const value = wire.subarray(offset + 4, offset + 4 + length);
    offset += 4 + length;
    return value;
  };
  next();
  next();
  const n = next();
  const significant = n[0] === 0 ? n.subarray(1) : n;
  return significant.length * 8;
}

/** The `SHA256:…` fingerprint of the public half of a private key (a host key), as ssh-keygen -lf prints it. */
export function privateKeyFingerprint(privateKey: Buffer | string): string {
  const parsed = ssh2.utils.parseKey(privateKey);
  const key = Array.isArray(parsed) ? parsed[0] : parsed;
  if (!key || key instanceof Error) throw new Error(`not a key: ${key instanceof Error ? key.message : 'empty'}`);
  return fingerprintOf(key.getPublicSSH());
}
