/**
 * Login: keys bind a partner only with a verified signature, password guessing is slowed, capped
 * per connection and banned per address, and partner changes apply without a restart.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import ssh2, { type AuthMethod, type ConnectConfig, type ParsedKey, type SignCallback, type SigningRequestOptions } from 'ssh2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateEd25519KeyPair } from '../../src/security/ed25519.js';
import { parsePublicKeyLine } from '../../src/security/public-keys.js';
import { closed, connectSftp, connectSsh, sftpBatch, sftpCall } from '../support/clients.js';
import { FakeClock } from '../support/clock.js';
import { TestDaemon, waitFor, type TestPartner } from '../support/daemon.js';
import { sample, scrape } from '../support/prometheus.js';
import type { PartnerStoreAsync } from '../../src/store/partner-store.js';

/** An agent that offers `publicKey` and signs with `signer` (which may lie). */
class ScriptedAgent extends ssh2.BaseAgent<ParsedKey> {
  constructor(
    private readonly publicKey: ParsedKey,
    private readonly signer: (data: Buffer) => Buffer,
  ) {
    super();
  }

  getIdentities(cb: (err: Error | null, keys?: ParsedKey[]) => void): void {
    cb(null, [this.publicKey]);
  }

  sign(_key: ParsedKey, data: Buffer, options: SigningRequestOptions | SignCallback, cb?: SignCallback): void {
    const done = (typeof options === 'function' ? options : cb) as SignCallback;
    done(null, this.signer(data));
  }
}

/** An agent that offers each key in turn, and signs honestly with each. */
class ScriptedAgentOfMany extends ssh2.BaseAgent<ParsedKey> {
  constructor(private readonly keys: ParsedKey[]) {
    super();
  }

  getIdentities(cb: (err: Error | null, keys?: ParsedKey[]) => void): void {
    cb(null, this.keys);
  }

  sign(key: ParsedKey, data: Buffer, options: SigningRequestOptions | SignCallback, cb?: SignCallback): void {
    const done = (typeof options === 'function' ? options : cb) as SignCallback;
    const own = this.keys.find((candidate) => candidate.getPublicSSH().equals(key.getPublicSSH()));
    done(null, own?.sign(data) as Buffer);
  }
}

function parsed(key: string): ParsedKey {
  const result = ssh2.utils.parseKey(key);
  if (result instanceof Error) throw result;
  return Array.isArray(result) ? (result[0] as ParsedKey) : result;
}

/** Tries to log in; resolves with how it ended. */
async function login(port: number, config: ConnectConfig): Promise<'ready' | string> {
  try {
    const client = await connectSsh(port, config);
    client.end();
    return 'ready';
  } catch (err) {
    return (err as Error).message;
  }
}

describe('public-key login', () => {
  let daemon: TestDaemon;
  let acme: TestPartner;

  beforeAll(async () => {
    daemon = await TestDaemon.start();
    acme = await daemon.addPartner({ id: 'acme' });
  });
  afterAll(() => daemon.destroy());

  const publicOf = (partner: TestPartner) => parsed(partner.privateKey);

  it('logs in with a real signature', async () => {
    const agent = new ScriptedAgent(publicOf(acme), (data) => publicOf(acme).sign(data) as Buffer);
    expect(await login(daemon.port, { username: 'acme', agent })).toBe('ready');
    expect(daemon.events('sftp.login').at(-1)).toMatchObject({ partner: 'acme', method: 'publickey' });
  });

  it.each([
    ['garbage', () => randomBytes(64)],
    ['a signature of other data', () => parsed(acme.privateKey).sign(Buffer.from('something else')) as Buffer],
    ['a signature by another key', (data: Buffer) => parsed(generateEd25519KeyPair().private).sign(data) as Buffer],
  ] as const)('refuses a key of the partner with %s as signature', async (_what, signer) => {
    const before = daemon.events('sftp.login').length;
    const agent = new ScriptedAgent(publicOf(acme), signer);
    expect(await login(daemon.port, { username: 'acme', agent })).toMatch(/authentication methods failed/);
    expect(daemon.events('sftp.login').length).toBe(before);
    expect(daemon.events('sftp.login_failed').at(-1)).toMatchObject({ username: 'acme', why: 'bad signature' });
  });

  it('does not bind the partner on the unsigned key query alone', async () => {
    // The query is answered "this key may sign"; a failing signature step must not log in, and
    // nothing else (here: a wrong password) may ride on the query's answer.
    const agent = new ScriptedAgent(publicOf(acme), () => Buffer.alloc(0));
    const methods: AuthMethod[] = [
      { type: 'agent', username: 'acme', agent } as AuthMethod,
      { type: 'password', username: 'acme', password: 'wrong-password' } as AuthMethod,
    ];
    expect(await login(daemon.port, { username: 'acme', authHandler: methods })).toMatch(/authentication methods failed/);
  });

  it('refuses a key that belongs to another partner', async () => {
    const other = await daemon.addPartner({ id: 'other' });
    expect(await login(daemon.port, { username: 'acme', privateKey: other.privateKey })).toMatch(/authentication methods failed/);
    expect(await login(daemon.port, { username: 'other', privateKey: other.privateKey })).toBe('ready');
  });

  it.each(['../acme', 'acme/../acme', 'ACME', 'acme\u0000', ''])('refuses the user name %j', async (username) => {
    expect(await login(daemon.port, { username, privateKey: acme.privateKey, password: acme.password })).toMatch(
      /authentication methods failed/,
    );
  });
});

describe('key types', () => {
  let daemon: TestDaemon;

  beforeAll(async () => {
    daemon = await TestDaemon.start();
    await daemon.addPartner({ id: 'acme' });
  });
  afterAll(() => daemon.destroy());

  /** An OpenSSH key pair made by ssh-keygen and given to acme; a TestPartner that logs in with it. */
  async function keyOf(type: string, bits: string[]): Promise<TestPartner> {
    const keyFile = daemon.path(`id_${type}_${bits.join('')}`);
    execFileSync('ssh-keygen', ['-q', '-t', type, ...bits, '-N', '', '-C', `acme ${type}`, '-f', keyFile]);
    const key = parsePublicKeyLine(await readFile(`${keyFile}.pub`, 'utf8'));
    await daemon.store.transaction((tx) => tx.partners.addKey('acme', key));
    return { id: 'acme', password: '', keyFile, privateKey: await readFile(keyFile, 'utf8') };
  }

  it('logs OpenSSH in with RSA keys signing with SHA-2, and refuses their SHA-1 signatures', async () => {
    const rsa = await keyOf('rsa', ['-b', '3072']);
    expect((await sftpBatch(daemon.port, rsa, ['ls /'])).code).toBe(0);
    // ssh2's server-sig-algs lacks a comma before rsa-sha2-512, so OpenSSH picks rsa-sha2-256.
    const sha256 = await sftpBatch(daemon.port, rsa, ['ls /'], { args: ['-o', 'PubkeyAcceptedAlgorithms=rsa-sha2-256'] });
    expect(sha256.code).toBe(0);
    const sha1 = await sftpBatch(daemon.port, rsa, ['ls /'], { args: ['-o', 'PubkeyAcceptedAlgorithms=ssh-rsa'] });
    expect(sha1.code).not.toBe(0);
    expect(sha1.stderr).toMatch(/Permission denied/);
  });

  it('logs OpenSSH in with ECDSA keys', async () => {
    for (const bits of ['256', '384', '521']) {
      const ecdsa = await keyOf('ecdsa', ['-b', bits]);
      expect((await sftpBatch(daemon.port, ecdsa, ['ls /'])).code, bits).toBe(0);
    }
  });
});

describe('partner changes without a restart', () => {
  let daemon: TestDaemon;
  let acme: TestPartner;

  beforeAll(async () => {
    daemon = await TestDaemon.start();
    acme = await daemon.addPartner({ id: 'acme' });
  });
  afterAll(() => daemon.destroy());

  it('refuses a disabled partner at once, and lets it in again when enabled', async () => {
    const change = (enabled: boolean) => daemon.store.transaction((tx) => tx.partners.update('acme', { enabled }));
    await change(false);
    expect(await login(daemon.port, { username: 'acme', privateKey: acme.privateKey })).toMatch(/authentication methods failed/);
    expect(await login(daemon.port, { username: 'acme', password: acme.password })).toMatch(/authentication methods failed/);
    expect((await sftpBatch(daemon.port, acme, ['ls /'])).code).not.toBe(0);
    await change(true);
    expect(await login(daemon.port, { username: 'acme', privateKey: acme.privateKey })).toBe('ready');
  });

  it('accepts a key as soon as it is added, and refuses it once removed', async () => {
    const keys = generateEd25519KeyPair();
    expect(await login(daemon.port, { username: 'acme', privateKey: keys.private })).toMatch(/authentication methods failed/);
    const entry = parsePublicKeyLine(keys.public);
    await daemon.store.transaction((tx) => tx.partners.addKey('acme', entry));
    expect(await login(daemon.port, { username: 'acme', privateKey: keys.private })).toBe('ready');
    await daemon.store.transaction((tx) => tx.partners.removeKey('acme', entry.fingerprint));
    expect(await login(daemon.port, { username: 'acme', privateKey: keys.private })).toMatch(/authentication methods failed/);
  });
});

describe('failed public-key logins', () => {
  let daemon: TestDaemon;
  let acme: TestPartner;
  const failures = async () => sample(await scrape(`http://127.0.0.1:${daemon.httpPort}/metrics`), 'posdrop_login_failures_total');

  beforeAll(async () => {
    daemon = await TestDaemon.start();
    acme = await daemon.addPartner({ id: 'acme' });
  });
  afterAll(() => daemon.destroy());

  /** OpenSSH sftp offering only `partner`'s key as `username`: it ends refused. */
  async function refusedWithKey(partner: TestPartner, username: string) {
    const before = daemon.events('sftp.login_failed').length;
    const result = await sftpBatch(daemon.port, { ...partner, id: username }, ['ls /']);
    expect(result.code).not.toBe(0);
    return waitFor(() => daemon.events('sftp.login_failed')[before]);
  }

  it.each([
    ['a removed key', 'key not authorized', async (partners: PartnerStoreAsync) => partners.removeKey('acme', (await partners.keys('acme'))[0]?.fingerprint ?? ''), 'acme'],
    ['a disabled partner', 'partner disabled', (partners: PartnerStoreAsync) => partners.update('acme', { enabled: false }), 'acme'],
    ['an unknown user', 'unknown user', () => undefined, 'nobody'],
  ])('%s is logged once, with why, and counted as a failed login', async (_what, why, change, username) => {
    const key = parsePublicKeyLine(`${parsed(acme.privateKey).type} ${parsed(acme.privateKey).getPublicSSH().toString('base64')}`);
    const before = await failures();
    await daemon.store.transaction(async ({ partners }) => change(partners));
    try {
      const line = await refusedWithKey(acme, username);
      expect(line).toMatchObject({ level: 'warn', method: 'publickey', username, why, fingerprint: key.fingerprint, keys_offered: 1 });
      expect(daemon.events('sftp.key_refused').at(-1)).toMatchObject({ username, why, fingerprint: key.fingerprint });
      expect((await failures()) - before).toBe(1);
    } finally {
      await daemon.store.transaction(async ({ partners }) => {
        await partners.update('acme', { enabled: true });
        if ((await partners.keys('acme')).length === 0) await partners.addKey('acme', key);
      });
    }
  });

  it('counts nothing when a refused key is followed by one that is let in', async () => {
    const before = await failures();
    const stranger = generateEd25519KeyPair();
    const agent = new ScriptedAgentOfMany([parsed(stranger.private), parsed(acme.privateKey)]);
    expect(await login(daemon.port, { username: 'acme', agent })).toBe('ready');
    expect(daemon.events('sftp.key_refused').at(-1)).toMatchObject({ username: 'acme', why: 'key not authorized' });
    await waitFor(async () => daemon.events('sftp.disconnected').length > 0);
    expect((await failures()) - before).toBe(0);
  });
});

describe('password guessing', () => {
  const clock = new FakeClock();
  let daemon: TestDaemon;
  let acme: TestPartner;

  beforeAll(async () => {
    // The defaults (6 attempts per connection; a ban of 30 minutes after 15 failures in 30
    // minutes), with a short failure delay.
    // Per address alone: failures per account and per network prefix are sftp-bans.test.ts's.
    daemon = await TestDaemon.start({ sftp: { auth_failure_delay_ms: 10, account_lockout_threshold: 0, prefix_ban_threshold: 0 } }, { clock });
    acme = await daemon.addPartner({ id: 'acme' });
  });
  afterAll(() => daemon.destroy());

  const guesses = (count: number, username = 'acme'): AuthMethod[] =>
    Array.from({ length: count }, (_, i) => ({ type: 'password', username, password: `guess-${i}` }) as AuthMethod);

  const failuresFrom = (address: string) =>
    daemon.events('sftp.login_failed').filter((line) => line.address === address).length;

  it('accepts the right password, compared against the stored scrypt hash', async () => {
    const session = await connectSftp(daemon.port, acme, { password: acme.password, localAddress: '127.0.0.5' });
    expect(await sftpCall.realpath(session.sftp, '.')).toBe('/');
    session.end();
  });

  it('allows 6 attempts per connection, then cuts it', async () => {
    const client = new ssh2.Client();
    const ended = new Promise<string>((resolve) => {
      client.on('error', (err) => resolve(err.message));
      client.on('close', () => resolve('closed'));
    });
    client.connect({ host: '127.0.0.1', port: daemon.port, localAddress: '127.0.0.2', username: 'acme', authHandler: guesses(10) });
    await ended;
    await closed(client);
    expect(failuresFrom('127.0.0.2')).toBe(6);
    expect(daemon.events('sftp.login_exhausted').at(-1)).toMatchObject({ address: '127.0.0.2', attempts: 6 });
  });

  it('counts unknown users like known ones', async () => {
    expect(await login(daemon.port, { localAddress: '127.0.0.4', username: 'nobody', password: 'guess' })).toMatch(
      /authentication methods failed/,
    );
    expect(failuresFrom('127.0.0.4')).toBe(1);
  });

  it('bans an address after repeated failures, then lets it in again once the ban expires', async () => {
    // 127.0.0.2 failed 6 times above; 9 more reach the threshold of 15.
    await login(daemon.port, { localAddress: '127.0.0.2', username: 'acme', authHandler: guesses(6) });
    expect(daemon.events('sftp.address_banned').some((line) => line.address === '127.0.0.2')).toBe(false);
    expect(await login(daemon.port, { localAddress: '127.0.0.2', username: 'acme', password: acme.password })).toBe('ready');
    await login(daemon.port, { localAddress: '127.0.0.2', username: 'acme', authHandler: guesses(3) });
    const ban = await waitFor(() => daemon.events('sftp.address_banned').find((line) => line.address === '127.0.0.2'));
    expect(ban).toMatchObject({ failures: 15 });

    // Refused before any SSH byte, even with the right password.
    const refused = await login(daemon.port, { localAddress: '127.0.0.2', username: 'acme', password: acme.password });
    expect(refused).not.toBe('ready');
    expect(daemon.events('sftp.connection_refused').at(-1)).toMatchObject({ address: '127.0.0.2' });
    // Other addresses are not affected.
    expect(await login(daemon.port, { localAddress: '127.0.0.3', username: 'acme', password: acme.password })).toBe('ready');

    clock.advance(31 * 60_000);
    expect(await login(daemon.port, { localAddress: '127.0.0.2', username: 'acme', password: acme.password })).toBe('ready');
  });

  it('forgets failures older than the window', async () => {
    for (let i = 0; i < 14; i += 1) {
      await login(daemon.port, { localAddress: '127.0.0.6', username: 'acme', password: `wrong-${i}` });
    }
    clock.advance(31 * 60_000);
    await login(daemon.port, { localAddress: '127.0.0.6', username: 'acme', password: 'wrong-again' });
    expect(daemon.events('sftp.address_banned').some((line) => line.address === '127.0.0.6')).toBe(false);
    expect(await login(daemon.port, { localAddress: '127.0.0.6', username: 'acme', password: acme.password })).toBe('ready');
  });

  it('survives a client that vanishes while its failed attempt is being delayed', async () => {
    const slow = await TestDaemon.start({ sftp: { auth_failure_delay_ms: 300 } });
    try {
      const partner = await slow.addPartner({ id: 'acme' });
      for (let i = 0; i < 3; i += 1) {
        const client = new ssh2.Client();
        client.on('error', () => undefined);
        client.connect({
          host: '127.0.0.1',
          port: slow.port,
          username: 'acme',
          authHandler: (_left, _partial, next) => {
            next({ type: 'password', username: 'acme', password: 'wrong' });
            // Gone while the server holds back its answer.
            setTimeout(() => (client as unknown as { _sock: { destroy(): void } })._sock.destroy(), 50);
          },
        });
      }
      await waitFor(() => slow.events('sftp.login_failed').length === 3);
      await new Promise((resolve) => setTimeout(resolve, 400));
      expect(await login(slow.port, { username: 'acme', privateKey: partner.privateKey })).toBe('ready');
      expect(slow.events('sftp.auth_error')).toEqual([]);
    } finally {
      await slow.destroy();
    }
  });
});
