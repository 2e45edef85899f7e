/**
 * Some fuzz inputs arrive as partners also send them: gzip-compressed or OpenPGP-encrypted (to a
 * key the run makes with OpenPGP.js). The mutated bytes are wrapped whole, so the compressed file
 * must end `processed` and the file inside it be judged as any other input.
 */
import { gzipSync } from 'node:zlib';
import * as openpgp from 'openpgp';

export type Wrapping = 'none' | 'gzip' | 'pgp';

/** Every eighth input gzip-compressed, every eighth (another) encrypted; the rest as they are. */
export function wrappingOf(n: number): Wrapping {
  if (n % 8 === 7) return 'gzip';
  if (n % 8 === 3) return 'pgp';
  return 'none';
}

export const WRAPPED_NAME: Record<Wrapping, (name: string) => string> = {
  none: (name) => name,
  gzip: (name) => `${name}.gz`,
  pgp: (name) => `${name}.pgp`,
};

/** The run's server key: the armored private key for the configuration, the public one to encrypt to. */
export async function fuzzKey(): Promise<{ armoredPrivate: string; publicKey: openpgp.PublicKey }> {
  const { privateKey, publicKey } = await openpgp.generateKey({ type: 'ecc', curve: 'curve25519Legacy', userIDs: [{ email: 'fuzz@posdrop.test' }], format: 'armored' });
  return { armoredPrivate: privateKey, publicKey: await openpgp.readKey({ armoredKey: publicKey }) };
}

export async function wrap(wrapping: Wrapping, data: Buffer, publicKey: openpgp.PublicKey): Promise<Buffer> {
  if (wrapping === 'gzip') return gzipSync(data);
  if (wrapping === 'pgp') {
    const message = await openpgp.createMessage({ binary: data });
    return Buffer.from(await openpgp.encrypt({ message, encryptionKeys: publicKey, format: 'binary' }));
  }
  return data;
}
