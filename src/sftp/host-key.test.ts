import { mkdtemp, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import ssh2 from 'ssh2';
import { describe, expect, it } from 'vitest';
import { createLog } from '../log.js';
import { loadOrCreateHostKey } from './host-key.js';

const log = createLog({ level: 'error' });

describe('loadOrCreateHostKey', () => {
  it('creates a readable ed25519 key, 0600, with its .pub, then reuses it', async () => {
    const file = path.join(await mkdtemp(path.join(tmpdir(), 'posdrop-key-')), 'keys', 'ssh_host_ed25519_key');
    const created = await loadOrCreateHostKey(file, log);
    expect(ssh2.utils.parseKey(created)).not.toBeInstanceOf(Error);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(await readFile(`${file}.pub`, 'utf8')).toMatch(/^ssh-ed25519 /);
    expect((await loadOrCreateHostKey(file, log)).equals(created)).toBe(true);
  });

  it('refuses an unreadable key with a message naming it, rather than replacing it', async () => {
    const file = path.join(await mkdtemp(path.join(tmpdir(), 'posdrop-key-')), 'ssh_host_ed25519_key');
    await writeFile(file, '-----BEGIN OPENSSH PRIVATE KEY-----\nbm90IGEga2V5\n-----END OPENSSH PRIVATE KEY-----\n', { mode: 0o600 });
    await expect(loadOrCreateHostKey(file, log)).rejects.toThrow(new RegExp(`host key ${file} cannot be read`));
    expect(await readFile(file, 'utf8')).toContain('bm90IGEga2V5');
  });
});
