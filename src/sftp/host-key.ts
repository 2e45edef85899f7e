/** The server's ed25519 host key: generated on first start (mode 0600), then reused. */
import { constants } from 'node:fs';
import { chmod, open, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import ssh2 from 'ssh2';
import { ensureDir, fsyncDir, isMissing, errnoCode } from '../fs/durable.js';
import type { Log } from '../log.js';

export async function loadOrCreateHostKey(file: string, log: Log): Promise<Buffer> {
  try {
    const key = await readFile(file);
    const { mode } = await stat(file);
    if ((mode & 0o077) !== 0) {
      await chmod(file, 0o600);
      log.warn('sftp.host_key_mode_fixed', { file, was: (mode & 0o777).toString(8) });
    }
    return key;
  } catch (err) {
    if (!isMissing(err)) throw err;
  }
  const { private: privateKey, public: publicKey } = generateEd25519KeyPair('posdrop host key');
  await ensureDir(path.dirname(file), 0o700);
  try {
    const handle = await open(file, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
    await handle.writeFile(privateKey);
    await handle.sync();
    await handle.close();
  } catch (err) {
    // Another process created it first: use theirs.
    if (errnoCode(err) === 'EEXIST') return readFile(file);
    throw err;
  }
  const pub = await open(`${file}.pub`, constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC, 0o644);
  await pub.writeFile(`${publicKey}\n`);
  await pub.close();
  await fsyncDir(path.dirname(file));
  log.info('sftp.host_key_created', { file, public_key: publicKey });
  return Buffer.from(privateKey);
}

/**
 * An ed25519 key pair that ssh2 can read back. ssh2's generator now and then (about 1 in 200)
 * writes an OpenSSH private key that its own parser refuses as malformed; such a host key
 * would stop every later start, so a refused key is simply made again.
 */
export function generateEd25519KeyPair(comment = ''): { private: string; public: string } {
  for (let attempt = 1; ; attempt += 1) {
    const keys = ssh2.utils.generateKeyPairSync('ed25519', { comment });
    if (!(ssh2.utils.parseKey(keys.private) instanceof Error) || attempt >= 20) return keys;
  }
}
