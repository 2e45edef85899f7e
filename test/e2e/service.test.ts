import { existsSync } from 'node:fs';
import { mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { storeRows } from '../support/store-sql.js';
import { TEST_STORE } from '../support/test-store.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ChildDaemon, FakeSystemd, seedPartner } from '../support/child-daemon.js';
import { closed, connectSftp, connectSsh, sftpBatch } from '../support/clients.js';
import { waitFor, type TestPartner } from '../support/daemon.js';
import { posName } from '../support/names.js';
import { freePort } from '../../bench/support/processes.js';


/** Reads the daemon's store after it has exited (or beside it). */
const query = storeRows;

/** The names of the tables called `name`: none once a transaction that made it is rolled back. */
const tablesNamed = (dataDir: string, name: string) =>
  TEST_STORE === 'sqlite'
    ? query(dataDir, 'SELECT name FROM sqlite_master WHERE name = ?', name)
    : query(dataDir, 'SELECT table_name AS name FROM information_schema.tables WHERE table_name = ?', name);

/** The SSH server's first line, proof that the port is listening and serving. */
function banner(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('data', (data) => {
      resolve(data.toString().split('\r\n')[0] ?? '');
      socket.destroy();
    });
    socket.once('error', reject);
  });
}


describe('posdrop serve as a service', () => {
  let dataDir: string;
  let acme: TestPartner;
  let daemon: ChildDaemon | undefined;
  let systemd: FakeSystemd | undefined;

  beforeEach(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'posdrop-service-'));
    acme = await seedPartner(dataDir, 'acme', '12');
  });
  /** Uploads a three-record file and resolves once the daemon has it in hand. */
  async function uploadUntilProcessing(child: ChildDaemon): Promise<void> {
    const { sftp: address } = await child.runtime(dataDir);
    const local = path.join(dataDir, posName(1));
    await writeFile(local, 'r1\nr2\nr3\n');
    expect((await sftpBatch(address.port, acme, ['cd /inbox', `put ${local}`])).code).toBe(0);
    await child.waitForEvent('file.processing');
  }

  afterEach(async () => {
    if (daemon && daemon.child.exitCode === null) {
      daemon.signal('SIGKILL');
      await daemon.exited;
    }
    systemd?.close();
    daemon = undefined;
    systemd = undefined;
    await rm(dataDir, { recursive: true, force: true });
  });

  it('tells systemd it is ready only once SFTP serves, pings the watchdog, and says when it stops', async () => {
    systemd = new FakeSystemd(path.join(dataDir, 'notify.sock'));
    daemon = await ChildDaemon.start({ dataDir, env: { NOTIFY_SOCKET: systemd.socketPath, WATCHDOG_USEC: '200000' } });
    const ready = await waitFor(() => systemd?.with('READY=1')[0]);
    const runtime = await daemon.runtime(dataDir);
    expect(ready).toContain(`MAINPID=${runtime.pid}`);
    expect(await banner(runtime.sftp.port)).toMatch(/^SSH-2\.0-posdrop/);
    await waitFor(() => (systemd?.with('WATCHDOG=1').length ?? 0) >= 2);

    daemon.signal('SIGTERM');
    expect((await daemon.exited).code).toBe(0);
    expect(systemd.with('STOPPING=1')).toHaveLength(1);
    // stop_timeout_seconds (20 by default) plus the margin for the way out.
    expect(systemd.with('STOPPING=1')[0]).toContain('EXTEND_TIMEOUT_USEC=30000000');
    const order = systemd.messages.map((message) => message.split('\n')[0]);
    expect(order.indexOf('READY=1')).toBeLessThan(order.indexOf('STOPPING=1'));
  });

  it('on SIGTERM mid-upload keeps the partial for a resume and processes nothing', async () => {
    daemon = await ChildDaemon.start({ dataDir });
    const { sftp: address } = await daemon.runtime(dataDir);
    const session = await connectSftp(address.port, acme);
    session.client.on('error', () => undefined); // the server goes away under it
    const handle = await new Promise<Buffer>((resolve, reject) =>
      session.sftp.open(`/inbox/${posName(1)}`, 'w', (err, h) => (err ? reject(err) : resolve(h))),
    );
    const chunk = Buffer.from('r1\nr2\n'.repeat(5000));
    await new Promise<void>((resolve, reject) => session.sftp.write(handle, chunk, 0, chunk.length, 0, (err) => (err ? reject(err) : resolve())));

    daemon.signal('SIGTERM');
    expect((await daemon.exited).code).toBe(0);
    const spooled = await readdir(path.join(dataDir, 'spool', 'acme', 'inbox'));
    expect(spooled).toEqual([`${posName(1)}.part`]);
    expect((await stat(path.join(dataDir, 'spool', 'acme', 'inbox', spooled[0] as string))).size).toBe(chunk.length);
    expect(await readdir(path.join(dataDir, 'partners', 'acme', 'inbox'))).toEqual([]);
    expect(await query(dataDir, 'SELECT * FROM files')).toEqual([]);
    expect(daemon.events('daemon.stopped')).toHaveLength(1);
  });

  it('on SIGTERM mid-file finishes the file in hand, then checkpoints and exits', async () => {
    const gate = path.join(dataDir, 'gate');
    systemd = new FakeSystemd(path.join(dataDir, 'notify.sock'));
    daemon = await ChildDaemon.start({ dataDir, gate, config: { stop_timeout_seconds: 60 }, env: { NOTIFY_SOCKET: systemd.socketPath } });
    await uploadUntilProcessing(daemon);

    daemon.signal('SIGTERM');
    await daemon.waitForEvent('daemon.stopping');
    // Longer than the unit's TimeoutStopSec: systemd is asked to wait for it.
    expect(await waitFor(() => systemd?.with('STOPPING=1')[0])).toContain('EXTEND_TIMEOUT_USEC=70000000');
    await writeFile(gate, ''); // the file may now finish
    expect((await daemon.exited).code).toBe(0);

    const events = daemon.logs.map((line) => line.event);
    expect(events.indexOf('daemon.signal')).toBeLessThan(events.indexOf('file.processed'));
    expect(events.at(-1)).toBe('daemon.stopped');
    expect(await query(dataDir, "SELECT state, accepted FROM files")).toEqual([{ state: 'processed', accepted: 3 }]);
    if (TEST_STORE === 'sqlite') {
      const wal = path.join(dataDir, 'posdrop.db-wal');
      expect(existsSync(wal) ? (await stat(wal)).size : 0).toBe(0);
    }
  });

  it('on SIGTERM stops accepting connections at once, while the file in hand finishes', async () => {
    const gate = path.join(dataDir, 'gate');
    daemon = await ChildDaemon.start({ dataDir, gate, config: { stop_timeout_seconds: 60 } });
    const { sftp: address } = await daemon.runtime(dataDir);
    const before = await connectSftp(address.port, acme);
    let beforeClosed = false;
    void closed(before.client).then(() => (beforeClosed = true));
    await uploadUntilProcessing(daemon);
    const logins = daemon.events('sftp.login').length;

    daemon.signal('SIGTERM');
    await daemon.waitForEvent('daemon.stopping');
    await waitFor(() => beforeClosed); // sessions are being closed: the SFTP server has stopped listening
    expect(daemon.child.exitCode).toBeNull();
    const attempt = await connectSsh(address.port, { username: acme.id, privateKey: acme.privateKey }).then(
      (client) => {
        client.end();
        return 'logged in';
      },
      (err: Error) => err.message,
    );
    expect(attempt).toMatch(/ECONNREFUSED|closed before it was ready|ECONNRESET/);
    const openssh = await sftpBatch(address.port, acme, ['ls /outbox']);
    expect(openssh.code).not.toBe(0);
    expect(daemon.events('sftp.login')).toHaveLength(logins);
    // Still in hand, and still the daemon's to finish.
    expect(daemon.child.exitCode).toBeNull();
    expect(await query(dataDir, 'SELECT state FROM files')).toEqual([{ state: 'processing' }]);

    await writeFile(gate, '');
    expect((await daemon.exited).code).toBe(0);
    expect(await query(dataDir, 'SELECT state, accepted FROM files')).toEqual([{ state: 'processed', accepted: 3 }]);
    const receipt = JSON.parse(await readFile(path.join(dataDir, 'partners', 'acme', 'outbox', `${posName(1)}.receipt.json`), 'utf8')) as { state: string };
    expect(receipt.state).toBe('processed');
  });

  it('on SIGTERM mid-file rolls the file back when it cannot finish in time, and the next start processes it once', async () => {
    const gate = path.join(dataDir, 'gate');
    daemon = await ChildDaemon.start({ dataDir, gate, config: { stop_timeout_seconds: 1 } });
    await uploadUntilProcessing(daemon);

    daemon.signal('SIGTERM');
    expect((await daemon.exited).code).toBe(0);
    expect(daemon.events('daemon.stop_timeout')[0]).toMatchObject({ file_in_hand: { partner: 'acme', file: posName(1) } });
    expect(await query(dataDir, 'SELECT state FROM files')).toEqual([{ state: 'processing' }]);
    expect(await tablesNamed(dataDir, 'test_records')).toEqual([]);

    await writeFile(gate, '');
    daemon = await ChildDaemon.start({ dataDir, gate });
    await daemon.waitForEvent('file.processed');
    expect(await query(dataDir, 'SELECT state, accepted, duplicates FROM files')).toEqual([{ state: 'processed', accepted: 3, duplicates: 0 }]);
    expect(await query(dataDir, 'SELECT count(*) AS n FROM test_records')).toEqual([{ n: 3 }]);
  });

  it('on SIGHUP applies a good configuration and refuses a bad one, keeping the old', async () => {
    systemd = new FakeSystemd(path.join(dataDir, 'notify.sock'));
    const [first, second] = [await freePort(), await freePort()];
    daemon = await ChildDaemon.start({ dataDir, config: { http: { port: first } }, env: { NOTIFY_SOCKET: systemd.socketPath } });
    expect((await fetch(`http://127.0.0.1:${first}/healthz`)).status).toBe(200);

    await daemon.rewriteConfig(dataDir, { http: { port: second }, retention: { archive_days: 7 }, sftp: { port: 0, max_connections: 50, host_key: path.join(dataDir, 'other-key') } });
    daemon.signal('SIGHUP');
    const reloaded = await daemon.waitForEvent('config.reloaded');
    expect(reloaded).toMatchObject({ applied: ['http.port', 'retention.archive_days', 'sftp.max_connections'], restart_needed: ['sftp.host_key'] });
    expect((await fetch(`http://127.0.0.1:${second}/healthz`)).status).toBe(200);
    await expect(fetch(`http://127.0.0.1:${first}/healthz`)).rejects.toThrow();
    expect((await daemon.runtime(dataDir)).http?.port).toBe(second);
    expect(systemd.with('RELOADING=1')).toHaveLength(1);

    await daemon.rewriteConfig(dataDir, 'sftp:\n  port: not-a-port\nretention:\n  archive_dayz: 3\n');
    daemon.signal('SIGHUP');
    const refused = await daemon.waitForEvent('config.reload_refused');
    expect(refused.problems).toEqual([
      expect.stringContaining('sftp.port'),
      expect.stringContaining('retention.archive_dayz: unknown configuration key'),
    ]);
    expect((await fetch(`http://127.0.0.1:${second}/healthz`)).status).toBe(200);
    const { sftp: address } = await daemon.runtime(dataDir);
    expect((await sftpBatch(address.port, acme, ['ls /outbox'])).code).toBe(0);
  });
});
