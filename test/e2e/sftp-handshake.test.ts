/**
 * The SSH handshake: only modern algorithms are offered, and clients that fail negotiation, send
 * garbage or vanish half-way cost the daemon nothing. OpenSSH asking for each weak algorithm is in
 * hostile.test.ts.
 */
import net from 'node:net';
import ssh2, { type Algorithms } from 'ssh2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectSftp, connectSsh, sftpCall } from '../support/clients.js';
import { TestDaemon, waitFor, type TestPartner } from '../support/daemon.js';

/** The name-lists of the server's KEXINIT, read off a raw socket before any encryption. */
interface KexInit {
  kex: string[];
  hostKey: string[];
  cipher: string[];
  mac: string[];
  compression: string[];
}

async function serverKexInit(port: number): Promise<KexInit> {
  const socket = net.connect({ host: '127.0.0.1', port });
  socket.write('SSH-2.0-Probe_1.0\r\n');
  let received = Buffer.alloc(0);
  return new Promise((resolve, reject) => {
    socket.on('error', reject);
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      const bannerEnd = received.indexOf('\r\n');
      if (bannerEnd < 0) return;
      const packet = received.subarray(bannerEnd + 2);
      if (packet.length < 4 || packet.length < 4 + packet.readUInt32BE(0)) return;
      socket.destroy();
      // uint32 length, byte padding, byte 20 (KEXINIT), 16 bytes of cookie, then the name-lists.
      let offset = 4 + 1 + 1 + 16;
      const lists: string[][] = [];
      for (let i = 0; i < 10; i += 1) {
        const length = packet.readUInt32BE(offset);
        lists.push(packet.subarray(offset + 4, offset + 4 + length).toString('latin1').split(',').filter(Boolean));
        offset += 4 + length;
      }
      const [kex, hostKey, cipher, , mac, , compression] = lists as [string[], string[], string[], string[], string[], string[], string[]];
      resolve({ kex, hostKey, cipher, mac, compression });
    });
  });
}

describe('the SSH handshake', () => {
  let daemon: TestDaemon;
  let acme: TestPartner;

  beforeAll(async () => {
    // A short grace: whatever stalls the handshake is closed by it.
    daemon = await TestDaemon.start({ sftp: { login_grace_seconds: 2 } });
    acme = await daemon.addPartner({ id: 'acme' });
  });
  afterAll(() => daemon.destroy());

  /** The daemon still logs a partner in and answers. */
  async function stillServing(): Promise<void> {
    const session = await connectSftp(daemon.port, acme);
    expect(await sftpCall.realpath(session.sftp, '.')).toBe('/');
    session.end();
  }

  it('offers no SHA-1, no CBC, no ssh-rsa host key and no compression before login', async () => {
    const offer = await serverKexInit(daemon.port);
    expect(offer.kex.filter((name) => /sha1|group1-|group14-sha1/.test(name))).toEqual([]);
    expect(offer.kex).toContain('kex-strict-s-v00@openssh.com');
    expect(offer.hostKey).toEqual(['ssh-ed25519']);
    expect(offer.cipher.filter((name) => /cbc|arcfour|3des|blowfish/.test(name))).toEqual([]);
    expect(offer.mac.filter((name) => /sha1|md5|ripemd/.test(name))).toEqual([]);
    expect(offer.compression.filter((name) => name !== 'none' && name !== 'zlib@openssh.com')).toEqual([]);
  });

  it.each<[string, Algorithms]>([
    ['hmac-sha1 only', { hmac: ['hmac-sha1'], cipher: ['aes128-ctr'] }],
    ['aes128-cbc only', { cipher: ['aes128-cbc'] }],
    ['diffie-hellman-group14-sha1 only', { kex: ['diffie-hellman-group14-sha1'] }],
    ['diffie-hellman-group1-sha1 only', { kex: ['diffie-hellman-group1-sha1'] }],
    ['an ssh-rsa host key only', { serverHostKey: ['ssh-rsa'] }],
    ['compression before login only', { compress: ['zlib'] }],
  ])('refuses a client that speaks %s', async (_what, algorithms) => {
    await expect(connectSsh(daemon.port, { username: 'acme', privateKey: acme.privateKey, algorithms })).rejects.toThrow(
      /Handshake failed|no matching/i,
    );
    await stillServing();
  });

  it.each<[string, (socket: net.Socket) => void]>([
    ['garbage instead of a banner', (socket) => socket.write(Buffer.alloc(16_384, 0xff))],
    ['a banner and then garbage', (socket) => socket.write(Buffer.concat([Buffer.from('SSH-2.0-Evil_1.0\r\n'), Buffer.alloc(70_000, 0x41)]))],
    ['a banner and a lying packet length', (socket) => socket.write(Buffer.concat([Buffer.from('SSH-2.0-Evil_1.0\r\n'), Buffer.from([0x7f, 0xff, 0xff, 0xff, 0x04])]))],
    ['an endless banner line', (socket) => socket.write(`SSH-2.0-${'x'.repeat(100_000)}`)],
    ['half a banner, then silence', (socket) => socket.write('SSH-2.0-Slow')],
    ['a banner, then silence', (socket) => socket.write('SSH-2.0-Slow_1.0\r\n')],
  ])('closes a connection that sends %s, and keeps serving', async (_what, send) => {
    const socket = net.connect({ host: '127.0.0.1', port: daemon.port });
    const gone = new Promise<void>((resolve) => socket.on('close', () => resolve()));
    socket.on('error', () => undefined);
    socket.resume(); // read the server's banner, or its goodbye would never be noticed
    socket.on('connect', () => send(socket));
    await gone;
    await stillServing();
  });

  it('keeps serving when clients vanish at each step of the handshake', async () => {
    const steps = [
      (socket: net.Socket) => socket.destroy(),
      (socket: net.Socket) => socket.end('SSH-2.0-Vanishing_1.0\r\n'),
      (socket: net.Socket) => {
        socket.write('SSH-2.0-Vanishing_1.0\r\n');
        setTimeout(() => socket.resetAndDestroy(), 20);
      },
    ];
    for (const step of steps) {
      const socket = net.connect({ host: '127.0.0.1', port: daemon.port });
      socket.on('error', () => undefined);
      socket.resume();
      await new Promise<void>((resolve) => socket.on('connect', () => resolve()));
      step(socket);
      await new Promise<void>((resolve) => socket.on('close', () => resolve()));
    }
    // And an ssh2 client that vanishes right after its key exchange.
    await new Promise<void>((resolve) => {
      const vanishing = new ssh2.Client();
      vanishing.on('error', () => undefined);
      vanishing.on('handshake', () => {
        (vanishing as unknown as { _sock: net.Socket })._sock.destroy();
        resolve();
      });
      vanishing.connect({ host: '127.0.0.1', port: daemon.port, username: 'acme', privateKey: acme.privateKey });
    });
    await waitFor(() => daemon.app.running.sftp.stats().connections === 0);
    await stillServing();
  });
});
