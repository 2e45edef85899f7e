/**
 * Hostile clients against the daemon as operators run it: `posdrop serve` in a child process,
 * whose memory is read from /proc. 500 idle connections that never log in while a partner keeps
 * uploading and fetching receipts; floods of WRITEs whose replies are never read; OpenSSH asking
 * for each weak algorithm. Figures go to TEST_FIGURES when it is set (see figures.ts).
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectSftp, run, sftpBatch, sftpCall } from '../support/clients.js';
import { addPartnerOffline, DaemonProcess } from '../support/daemon-process.js';
import { waitFor, type TestPartner } from '../support/daemon.js';
import { recordFigure } from '../support/figures.js';
import { posName } from '../support/names.js';
import { batch, purchase } from '../support/pos-batches.js';
import { MB, processMemory, resetPeak } from '../support/process-memory.js';
import { sample, scrape } from '../support/prometheus.js';
import { Squatter } from '../support/squatter.js';
import { floodLargeWrites, floodSmallWrites, rawUpload } from '../support/write-flood.js';

/** The caps as shipped: 256 connections in all, 16 per address. */
const MAX_CONNECTIONS = 256;
const PER_ADDRESS = 16;
const MEMORY_BOUND = 200 * MB;

/** `127.0.0.<first>` … `127.0.0.<first + count - 1>`: loopback addresses other than the partner's. */
function loopback(first: number, count: number): string[] {
  return Array.from({ length: count }, (_, i) => `127.0.0.${first + i}`);
}

describe('hostile clients against posdrop serve', () => {
  let dataDir: string;
  let daemon: DaemonProcess;
  let partner: TestPartner;
  let metricsUrl: string;
  let counter = 0;

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'posdrop-hostile-'));
    partner = await addPartnerOffline(dataDir, 'acme', '12');
    daemon = await DaemonProcess.start(dataDir, {
      // The V8 flag the systemd unit runs the daemon with, so that its memory is the service's.
      NODE_OPTIONS: '--max-semi-space-size=4',
      // the floods write to any name; the pipeline judges it (intake.refuse_names_at_upload off)
      POSDROP_INTAKE_REFUSE_NAMES_AT_UPLOAD: 'false',
      // A long login grace: the idle connections must stay for the whole test, not time out.
      POSDROP_SFTP_LOGIN_GRACE_SECONDS: '600',
      POSDROP_SFTP_BANNER_TIMEOUT_SECONDS: '600',
      POSDROP_SFTP_HANDSHAKE_TIMEOUT_SECONDS: '600',
      // The caps in total and per address, alone: the room for connections not logged in yet, and
      // the bans for leaving without a login, have their own suite (hostile-startups.test.ts).
      POSDROP_SFTP_MAX_UNAUTHENTICATED: String(MAX_CONNECTIONS),
      POSDROP_SFTP_UNAUTHENTICATED_DROP_FROM: String(MAX_CONNECTIONS),
      POSDROP_SFTP_NOAUTH_BAN_THRESHOLD: '0',
      // Refusals are logged with a count once per interval: a short one, so the test reads them soon.
      POSDROP_SFTP_REFUSAL_LOG_SECONDS: '1',
    });
    const runtime = JSON.parse(await readFile(path.join(dataDir, 'daemon.json'), 'utf8')) as { http: { port: number } };
    metricsUrl = `http://127.0.0.1:${runtime.http.port}/metrics`;
  });
  afterAll(async () => {
    await daemon.kill('SIGTERM');
    await rm(dataDir, { recursive: true, force: true });
  });

  /** Connections the daemon holds, as its metrics say. */
  async function connections(): Promise<number> {
    return sample(await scrape(metricsUrl), 'posdrop_sftp_connections');
  }

  /** The next batch of the partner's sequence: one purchase, under the next counter. */
  async function nextBatch(): Promise<{ name: string; local: string }> {
    counter += 1;
    const name = posName(counter);
    const local = path.join(dataDir, name);
    await writeFile(local, batch(purchase(`hostile-${counter}`)));
    return { name, local };
  }

  /** A partner's round, each step its own OpenSSH connection: upload, then fetch the receipt. */
  async function partnerRound(): Promise<void> {
    const { name, local } = await nextBatch();
    const put = await sftpBatch(daemon.port, partner, [`put ${local} /inbox/${name}`]);
    expect(put.code, put.stderr).toBe(0);
    await daemon.waitForLog((line) => line.event === 'file.processed' && line.file === name, 30_000);
    const receipt = await waitFor(async () => {
      const got = await sftpBatch(daemon.port, partner, [`get /outbox/${name}.receipt.json ${local}.receipt.json`]);
      return got.code === 0 && (JSON.parse(await readFile(`${local}.receipt.json`, 'utf8')) as Record<string, unknown>);
    }, 30_000);
    expect(receipt).toMatchObject({ file: name, state: 'processed', counts: { accepted: 1 } });
  }

  /**
   * Opens `count` idle connections, 50 at a time, spread over `addresses` (half of them send a
   * banner, half never say a word); `between` runs after each 50.
   */
  async function squat(count: number, addresses: string[], between: () => Promise<void> = async () => {}): Promise<Squatter[]> {
    const squatters: Squatter[] = [];
    for (let start = 0; start < count; start += 50) {
      const group = Array.from({ length: Math.min(50, count - start) }, (_, i) => {
        const squatter = new Squatter(daemon.port, addresses[(start + i) % addresses.length]);
        if (i % 2 === 0) squatter.socket.once('connect', () => squatter.socket.write('SSH-2.0-Idle_1.0\r\n'));
        return squatter;
      });
      await Promise.all(group.map((squatter) => squatter.admitted(30_000)));
      squatters.push(...group);
      await between();
    }
    return squatters;
  }

  /** Refusals the daemon logged (each line counts those of its address and reason since the last). */
  function refusals(reason: string, address?: string): number {
    const refused = daemon.events('sftp.connection_refused');
    return refused
      .filter((line) => line.reason === reason && (address === undefined || line.address === address))
      .reduce((sum, line) => sum + (line.count as number), 0);
  }

  /** Waits for the daemon's log (read from its stdout, which may lag a socket's close) to count `expected`. */
  async function refusedSince(before: number, expected: number, reason: string, address?: string): Promise<number> {
    await waitFor(() => refusals(reason, address) - before >= expected, 30_000).catch(() => undefined);
    return refusals(reason, address) - before;
  }

  /** Closes the squatters and waits until the daemon holds `remaining` connections. */
  async function leave(squatters: Squatter[], remaining: number): Promise<void> {
    for (const squatter of squatters) squatter.close();
    await waitFor(async () => (await connections()) === remaining, 30_000);
  }

  it('holds 500 idle connections to the per-address cap while a partner keeps working', async () => {
    await resetPeak(daemon.pid);
    const addresses = loopback(2, 8);
    const before = refusals('too many connections from this address');
    // A partner's round after every 50 connections: the flood never keeps it out.
    const squatters = await squat(500, addresses, partnerRound);
    const held = squatters.filter((squatter) => !squatter.closed);
    expect(held).toHaveLength(addresses.length * PER_ADDRESS);
    // The partner's last connection may still be closing on the daemon's side.
    await waitFor(async () => (await connections()) === held.length, 30_000);
    expect(await refusedSince(before, 500 - held.length, 'too many connections from this address')).toBe(500 - held.length);
    const { peak } = await processMemory(daemon.pid);
    expect(peak).toBeLessThan(MEMORY_BOUND);
    await recordFigure('idle_per_address', held.length, { refused: 500 - held.length, peak_rss_mb: Math.round(peak / MB) });
    await leave(squatters, 0);
  });

  it('refuses connections over the total cap; a partner logged in before keeps working', async () => {
    await resetPeak(daemon.pid);
    const session = await connectSftp(daemon.port, partner);
    const before = refusals('too many connections');
    // 20 addresses, 15 each: under the per-address cap, over the total one.
    const squatters = await squat(300, loopback(10, 20));
    const held = squatters.filter((squatter) => !squatter.closed);
    expect(held).toHaveLength(MAX_CONNECTIONS - 1);
    expect(await refusedSince(before, 300 - held.length, 'too many connections')).toBe(300 - held.length);

    const { name } = await nextBatch();
    await sftpCall.writeFile(session.sftp, `/inbox/${name}`, batch(purchase(`hostile-${counter}`)));
    await daemon.waitForLog((line) => line.event === 'file.processed' && line.file === name, 30_000);
    const receipt = await waitFor(async () => JSON.parse((await sftpCall.readFile(session.sftp, `/outbox/${name}.receipt.json`)).toString('utf8')) as Record<string, unknown>);
    expect(receipt).toMatchObject({ state: 'processed' });
    // A new connection, the partner's too, waits for a free slot.
    const partnerBefore = refusals('too many connections', '127.0.0.1');
    expect((await sftpBatch(daemon.port, partner, ['pwd'])).code).not.toBe(0);
    expect(await refusedSince(partnerBefore, 1, 'too many connections', '127.0.0.1')).toBe(1);
    const { peak } = await processMemory(daemon.pid);
    expect(peak).toBeLessThan(MEMORY_BOUND);
    await recordFigure('idle_total_cap', held.length + 1, { refused: 300 - held.length, peak_rss_mb: Math.round(peak / MB) });

    await leave(squatters, 1);
    session.end();
    await partnerRound();
  });

  it('stays under 200 MB through floods of WRITEs whose replies are never read', async () => {
    await resetPeak(daemon.pid);
    const cuts = daemon.events('sftp.session_cut').length;
    const small = await rawUpload(daemon.port, partner, 'small-flood.json');
    floodSmallWrites(small, 20_000);
    await waitFor(() => daemon.events('sftp.session_cut').length > cuts, 30_000);
    expect(daemon.events('sftp.session_cut').at(-1)).toMatchObject({ reason: expect.stringMatching(/request flood/) });
    small.client.destroy();

    // Four sessions at once, each 1,000 WRITEs of 64 KiB (250 MB in all).
    const large = await Promise.all([1, 2, 3, 4].map((i) => rawUpload(daemon.port, partner, `large-flood-${i}.json`)));
    await Promise.all(large.map((upload) => floodLargeWrites(upload, 1000, 64 * 1024)));
    for (const upload of large) upload.client.end();
    await waitFor(async () => (await connections()) === 0, 30_000);
    const { peak } = await processMemory(daemon.pid);
    expect(peak).toBeLessThan(MEMORY_BOUND);
    await recordFigure('write_flood', Math.round(peak / MB), {
      small_writes: 20_000,
      large_writes: 4000,
      sessions_cut: daemon.events('sftp.session_cut').length - cuts,
    });
    await partnerRound();
  });

  /** Each weak algorithm alone; MACs beside a CTR cipher, as an AEAD cipher uses no MAC at all. */
  const WEAK: Array<[string, string[], string]> = [
    ['hmac-sha1', ['Ciphers=aes128-ctr', 'MACs=hmac-sha1'], 'MAC'],
    ['hmac-sha1-etm@openssh.com', ['Ciphers=aes128-ctr', 'MACs=hmac-sha1-etm@openssh.com'], 'MAC'],
    ['hmac-md5', ['Ciphers=aes128-ctr', 'MACs=hmac-md5'], 'MAC'],
    ['aes128-cbc', ['Ciphers=aes128-cbc'], 'cipher'],
    ['3des-cbc', ['Ciphers=3des-cbc'], 'cipher'],
    ['diffie-hellman-group1-sha1', ['KexAlgorithms=diffie-hellman-group1-sha1'], 'key exchange method'],
    ['diffie-hellman-group14-sha1', ['KexAlgorithms=diffie-hellman-group14-sha1'], 'key exchange method'],
    ['diffie-hellman-group-exchange-sha1', ['KexAlgorithms=diffie-hellman-group-exchange-sha1'], 'key exchange method'],
    ['an ssh-rsa host key', ['HostKeyAlgorithms=ssh-rsa'], 'host key type'],
    ['an ssh-dss host key', ['HostKeyAlgorithms=ssh-dss'], 'host key type'],
  ];

  /** OpenSSH's sftp with these `-o` options added; `-v` shows what was negotiated. */
  function sftpWith(options: string[], verbose = false) {
    return run('sftp', [
      '-b', '/dev/null',
      ...(verbose ? ['-v'] : []),
      '-i', partner.keyFile,
      '-P', String(daemon.port),
      '-o', 'IdentitiesOnly=yes',
      '-o', 'StrictHostKeyChecking=no',
      '-o', 'UserKnownHostsFile=/dev/null',
      ...options.flatMap((option) => ['-o', option]),
      'acme@127.0.0.1',
    ]);
  }

  it.each(WEAK)('refuses OpenSSH offering only %s, at negotiation', async (_weak, options, kind) => {
    const result = await sftpWith(options);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(new RegExp(`Unable to negotiate with 127\\.0\\.0\\.1 port \\d+: no matching ${kind} found`));
  });

  it('compresses for OpenSSH asking for it only after login (zlib@openssh.com), never before', async () => {
    // OpenSSH cannot offer zlib alone; ssh2's client does (sftp-handshake.test.ts).
    const result = await sftpWith(['Compression=yes'], true);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toMatch(/kex: server->client cipher: \S+ MAC: \S+ compression: zlib@openssh\.com/);
    expect(result.stderr).not.toMatch(/compression: zlib$/m);
    await partnerRound();
  });
});
