/**
 * OpenPGP uploads, decrypted as a stream by OpenPGP.js with the server's private key (or the
 * partner's own server key), and, where the partner's settings ask for it, verified against the
 * partner's public key. The keys are read from their files at each use, so a reload or a rotated
 * file applies to the next upload. With a signature required, the stream fails at its end unless
 * the signature is good, and the caller deletes what was written.
 */
import { createReadStream } from 'node:fs';
import { open, readFile } from 'node:fs/promises';
import { Readable } from 'node:stream';
import * as openpgp from 'openpgp';
import type { PgpConfig } from '../config/pgp-schema.js';
import type { MemberProblem } from '../core/envelope.js';
import { errorMessage } from '../core/errors.js';

/** What decrypting one partner's upload takes. */
export interface PgpKeys {
  decryptionKey: openpgp.PrivateKey;
  verificationKey: openpgp.PublicKey | undefined;
  requireSignature: boolean;
}

/** The keys for `partner`'s uploads, or a refusal when the server takes no encrypted files; throws when a key file cannot be read. */
export async function pgpKeysFor(config: PgpConfig, partner: string): Promise<PgpKeys | MemberProblem> {
  const own = config.partners[partner];
  const keyFile = own?.private_key_file || config.private_key_file;
  if (!keyFile) return { code: 'pgp_unavailable', message: 'this server takes no encrypted files: no OpenPGP key is configured for this account' };
  const passphraseFile = own?.private_key_file ? own.passphrase_file : config.passphrase_file;
  const locked = await readKeyFile(keyFile, (text) => openpgp.readPrivateKey({ armoredKey: text }), (bytes) => openpgp.readPrivateKey({ binaryKey: bytes }));
  const decryptionKey = passphraseFile
    ? await openpgp.decryptKey({ privateKey: locked, passphrase: (await readFile(passphraseFile, 'utf8')).trim() })
    : locked;
  const verificationKey = own?.public_key_file
    ? await readKeyFile(own.public_key_file, (text) => openpgp.readKey({ armoredKey: text }), (bytes) => openpgp.readKey({ binaryKey: bytes }))
    : undefined;
  return { decryptionKey, verificationKey, requireSignature: own?.require_signature ?? false };
}

/** What the partner is told when the server's own key cannot be used (the operator's fault, logged as such). */
export const KEY_UNREADABLE: MemberProblem = { code: 'pgp_unavailable', message: 'this server cannot decrypt files right now; its operator has been told' };

/** The decrypted content of `source` as a stream; a refusal when it is not an OpenPGP message for these keys. */
export async function decryptedStream(source: string, keys: PgpKeys): Promise<Readable | MemberProblem> {
  try {
    const input = Readable.toWeb(createReadStream(source)) as ReadableStream<Uint8Array>;
    const message = (await isArmored(source))
      ? await openpgp.readMessage({ armoredMessage: Readable.toWeb(createReadStream(source, 'utf8')) as ReadableStream<string> })
      : await openpgp.readMessage({ binaryMessage: input });
    const { data } = await openpgp.decrypt({
      message,
      decryptionKeys: keys.decryptionKey,
      format: 'binary',
      ...(keys.verificationKey ? { verificationKeys: keys.verificationKey } : {}),
      ...(keys.requireSignature ? { expectSigned: true as const } : {}),
    });
    return Readable.fromWeb(data as ReadableStream<Uint8Array>);
  } catch (err) {
    return decryptionProblem(err);
  }
}

/** A failure of OpenPGP.js, as the partner's refusal: a signature's, or the decryption's. */
export function decryptionProblem(err: unknown): MemberProblem {
  const message = errorMessage(err).replace(/^Error decrypting message: /, '');
  if (/sign/i.test(message)) {
    return { code: 'bad_signature', message: `the file's signature is missing or not good (${message}): this account's files must be signed with its registered key` };
  }
  return { code: 'not_decryptable', message: `the file could not be decrypted with this server's key (${message}); encrypt it to the key posdrop's operator gave you` };
}

/** A key file as gpg exports it: armored (`gpg --armor --export`) or binary. */
async function readKeyFile<T>(file: string, armored: (text: string) => Promise<T>, binary: (bytes: Uint8Array) => Promise<T>): Promise<T> {
  const bytes = await readFile(file);
  return bytes.subarray(0, 5).toString('latin1') === '-----' ? armored(bytes.toString('utf8')) : binary(bytes);
}

async function isArmored(file: string): Promise<boolean> {
  const handle = await open(file, 'r');
  try {
    const { bytesRead, buffer } = await handle.read(Buffer.alloc(64), 0, 64, 0);
    return buffer.subarray(0, bytesRead).toString('latin1').trimStart().startsWith('-----BEGIN PGP');
  } finally {
    await handle.close();
  }
}
