/** The server's ed25519 host key: generated on first start (mode 0600), then reused. */
import { constants } from 'node:fs';
import { chmod, open, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import ssh2 from 'ssh2';
import { ensureDir, fsyncDir, isMissing, errnoCode } from '../fs/durable.js';
import type { Log } from '../log.js';
import { generateEd25519KeyPair } from '../security/ed25519.js';

export async function loadOrCreateHostKey(file: string, log: Log): Promise<Buffer> {
  try {
    const key = await readFile(file);
    const parsed = ssh2.utils.parseKey(key);
    if (parsed instanceof Error) {
      // Not replaced: a new host key would make every partner's client refuse the server.
      throw new Error(`the SSH host key ${file} cannot be read (${parsed.message}); set sftp.host_key to a valid key, or move this file away to have a new one generated`);
    }
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
