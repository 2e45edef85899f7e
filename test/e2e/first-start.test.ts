/**
 * The first start on embedded defaults, as a newcomer runs it (`posdrop serve` in its own
 * process, demo partner on), and the second start on the same data directory.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { connectSsh, run, sftpBatch } from '../support/clients.js';
import { waitFor, type TestPartner } from '../support/daemon.js';
import { DaemonProcess } from '../support/daemon-process.js';

const PBJ = path.resolve(import.meta.dirname, '../../fixtures/pbj/direct-mail_20-04-2020_1.csv');
const PBJ_NAME = path.basename(PBJ);

/** The host key's fingerprint as an SSH client sees it, in ssh-keygen's form. */
async function servedFingerprint(port: number): Promise<string> {
  let seen = '';
  const client = await connectSsh(port, {
    username: 'nobody',
    password: 'not the password',
    hostVerifier: (key: Buffer) => {
      seen = `SHA256:${createHash('sha256').update(key).digest('base64').replace(/=+$/, '')}`;
      return true;
    },
  }).catch(() => undefined); // the login fails; the key was shown before it
  client?.end();
  return seen;
}

/** What ssh-keygen says of the public key file beside the host key. */
async function fileFingerprint(keyFile: string): Promise<string> {
  const listed = await run('ssh-keygen', ['-l', '-E', 'sha256', '-f', `${keyFile}.pub`]);
  expect(listed.code).toBe(0);
  return listed.stdout.split(' ')[1] as string;
}

function mode(stats: { mode: number }): string {
  return (stats.mode & 0o777).toString(8);
}

describe('the first start on embedded defaults', () => {
  let dataDir: string;
  let daemon: DaemonProcess | undefined;

  beforeEach(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'posdrop-first-'));
  });
  afterEach(async () => {
    await daemon?.kill('SIGKILL');
    daemon = undefined;
    await rm(dataDir, { recursive: true, force: true });
  });

  it('creates the demo partner and host key once, and a second start keeps both', async () => {
    const env = { POSDROP_DEMO_PARTNER: 'true' };
    daemon = await DaemonProcess.start(dataDir, env);

    // The banner shows the password once, and only the banner: not the JSON log.
    const shown = [...daemon.stderr.matchAll(/^\s*password: (\S+)$/gm)].map((match) => match[1]);
    expect(shown).toHaveLength(1);
    const password = shown[0] as string;
    expect(password.length).toBeGreaterThanOrEqual(16);
    expect(daemon.stderr).toContain(`sftp -o StrictHostKeyChecking=accept-new -P ${daemon.port} demo@127.0.0.1`);
    expect(daemon.logs.length).toBeGreaterThan(0);
    expect(JSON.stringify(daemon.logs)).not.toContain(password);

    const credentials = path.join(dataDir, 'demo-credentials.txt');
    expect(mode(await stat(credentials))).toBe('600');
    const kept = await readFile(credentials, 'utf8');
    expect(kept).toMatch(new RegExp(`^username: demo$`, 'm'));
    expect(kept).toMatch(new RegExp(`^password: ${password}$`, 'm'));

    const hostKey = path.join(dataDir, 'keys', 'ssh_host_ed25519_key');
    expect(mode(await stat(hostKey))).toBe('600');
    const fingerprint = await fileFingerprint(hostKey);
    expect(fingerprint).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
    expect(await servedFingerprint(daemon.port)).toBe(fingerprint);

    // The newcomer's first upload, with OpenSSH's sftp and the printed password.
    const demo: TestPartner = { id: 'demo', password, keyFile: '', privateKey: '' };
    const put = await sftpBatch(daemon.port, demo, ['cd /inbox', `put ${PBJ}`], { auth: 'password' });
    expect([put.code, put.stderr]).toEqual([0, '']);
    const receiptFile = path.join(dataDir, 'partners', 'demo', 'outbox', `${PBJ_NAME}.receipt.json`);
    await waitFor(async () => (JSON.parse(await readFile(receiptFile, 'utf8')) as { state: string }).state === 'processed', 30_000);
    const downloads = await mkdtemp(path.join(dataDir, 'downloads-'));
    const get = await sftpBatch(daemon.port, demo, [`get /outbox/${PBJ_NAME}.receipt.json ${downloads}/`, `get /outbox/${PBJ_NAME}.result.json ${downloads}/`], { auth: 'password' });
    expect([get.code, get.stderr]).toEqual([0, '']);
    expect(JSON.parse(await readFile(path.join(downloads, `${PBJ_NAME}.receipt.json`), 'utf8'))).toMatchObject({
      file: PBJ_NAME,
      state: 'processed',
      format: 'pbj-offline-sales',
      counts: { total: 34, accepted: 34, failed: 0 },
    });
    expect(JSON.parse(await readFile(path.join(downloads, `${PBJ_NAME}.result.json`), 'utf8'))).toEqual({ result: 34 });

    await daemon.kill('SIGTERM');
    daemon = await DaemonProcess.start(dataDir, env);

    expect(daemon.stderr).not.toMatch(/password/i);
    expect(daemon.events('partner.demo_created')).toEqual([]);
    expect(await readFile(credentials, 'utf8')).toBe(kept);
    expect(await fileFingerprint(hostKey)).toBe(fingerprint);
    expect(await servedFingerprint(daemon.port)).toBe(fingerprint);
    expect(daemon.events('sftp.host_key_created')).toEqual([]);
    const again = await sftpBatch(daemon.port, demo, ['ls /outbox'], { auth: 'password' });
    expect([again.code, again.stderr]).toEqual([0, '']);
    expect(again.stdout).toContain(`${PBJ_NAME}.receipt.json`);
  });
});
