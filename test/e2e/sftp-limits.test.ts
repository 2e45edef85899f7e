/**
 * What keeps one client from exhausting the daemon: the login grace timer, connection caps in
 * total and per address, the idle timeout, caps on open handles and on requests in flight.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closed, connectSftp, connectSsh, refusal, sftpCall, STATUS } from '../support/clients.js';
import { TestDaemon, waitFor, type TestPartner, NAMES_JUDGED_BY_PIPELINE } from '../support/daemon.js';
import { PACKET, RawSftp, sftpString, statusOf, uint64 } from '../support/raw-sftp.js';
import { Squatter } from '../support/squatter.js';
import { floodLargeWrites, floodSmallWrites, rawUpload } from '../support/write-flood.js';

describe('connections before login', () => {
  let daemon: TestDaemon;
  let acme: TestPartner;

  beforeAll(async () => {
    daemon = await TestDaemon.start({
      ...NAMES_JUDGED_BY_PIPELINE,
      sftp: { login_grace_seconds: 1, max_connections: 4, max_connections_per_address: 2 },
    });
    acme = await daemon.addPartner({ id: 'acme' });
  });
  afterAll(() => daemon.destroy());

  it('closes connections that do not log in within the grace time, even silent and stubborn ones', async () => {
    const silent = new Squatter(daemon.port);
    const talker = new Squatter(daemon.port);
    expect(await talker.admitted()).toBe(true);
    talker.socket.write('SSH-2.0-Squatter_1.0\r\n');
    await waitFor(() => silent.closed && talker.closed, 10_000);
    expect(daemon.events('sftp.login_timeout').length).toBeGreaterThanOrEqual(2);
    await waitFor(() => daemon.app.running.sftp.stats().connections === 0);
  });

  it('caps connections per address, and in total', async () => {
    const squatters = [new Squatter(daemon.port), new Squatter(daemon.port)];
    for (const squatter of squatters) expect(await squatter.admitted()).toBe(true);
    const third = new Squatter(daemon.port);
    expect(await third.admitted()).toBe(false);
    expect(daemon.events('sftp.connection_refused').at(-1)).toMatchObject({
      address: '127.0.0.1',
      reason: 'too many connections from this address',
    });

    // The partner, from another address, still gets in.
    const session = await connectSftp(daemon.port, acme, { localAddress: '127.0.0.2' });
    expect(await sftpCall.realpath(session.sftp, '.')).toBe('/');

    const fourth = new Squatter(daemon.port, '127.0.0.3');
    expect(await fourth.admitted()).toBe(true);
    const fifth = new Squatter(daemon.port, '127.0.0.4');
    expect(await fifth.admitted()).toBe(false);
    expect(daemon.events('sftp.connection_refused').at(-1)).toMatchObject({ address: '127.0.0.4', reason: 'too many connections' });

    session.end();
    for (const squatter of [...squatters, fourth]) squatter.close();
    await waitFor(() => daemon.app.running.sftp.stats().connections === 0);
    const later = new Squatter(daemon.port, '127.0.0.4');
    expect(await later.admitted()).toBe(true);
    later.close();
  });
});

describe('sessions', () => {
  let daemon: TestDaemon;
  let acme: TestPartner;

  beforeAll(async () => {
    daemon = await TestDaemon.start({
      ...NAMES_JUDGED_BY_PIPELINE,
      sftp: { idle_timeout_seconds: 1, max_open_handles: 4, max_requests_in_flight: 64, max_write_bytes_in_flight: 128 * 1024 },
    });
    acme = await daemon.addPartner({ id: 'acme' });
  });
  afterAll(() => daemon.destroy());

  it('ends a logged-in session that stays idle', async () => {
    const session = await connectSftp(daemon.port, acme);
    await closed(session.client);
    expect(daemon.events('sftp.idle_timeout').at(-1)).toMatchObject({ partner: 'acme' });
  });

  it('caps open handles per session', async () => {
    const session = await connectSftp(daemon.port, acme);
    const { sftp } = session;
    const handles = [];
    for (let i = 0; i < 4; i += 1) handles.push(await sftpCall.open(sftp, `/inbox/handle-${i}.json`, 'w'));
    const fifth = await refusal(sftpCall.open(sftp, '/inbox/handle-4.json', 'w'));
    expect(fifth).toMatchObject({ code: STATUS.FAILURE, message: expect.stringMatching(/too many open files/) });
    expect((await refusal(sftpCall.opendir(sftp, '/inbox'))).code).toBe(STATUS.FAILURE);
    await sftpCall.close(sftp, handles.pop() as Buffer);
    handles.push(await sftpCall.open(sftp, '/inbox/handle-4.json', 'w'));
    session.end();
  });

  it('cuts, once, a session that floods WRITEs without reading the replies', async () => {
    const cutsBefore = daemon.events('sftp.session_cut').length;
    const upload = await rawUpload(daemon.port, acme, 'flood.json');
    floodSmallWrites(upload, 20_000);
    await waitFor(() => daemon.events('sftp.session_cut').length > cutsBefore);
    await waitFor(() => daemon.app.running.sftp.stats().connections === 0);
    upload.client.destroy();
    const cuts = daemon.events('sftp.session_cut').slice(cutsBefore);
    expect(cuts).toHaveLength(1);
    expect(cuts[0]).toMatchObject({ partner: 'acme', reason: expect.stringMatching(/request flood/) });
    // Everyone else is still served; the partial stays within the limit.
    const session = await connectSftp(daemon.port, acme);
    expect(await sftpCall.realpath(session.sftp, '.')).toBe('/');
    session.end();
  });

  it('answers an extension OP_UNSUPPORTED, and cuts a flood of them like any other', async () => {
    const client = await connectSsh(daemon.port, { username: acme.id, privateKey: acme.privateKey });
    const raw = await RawSftp.open(client);
    const answer = statusOf(await raw.request(PACKET.EXTENDED, sftpString('statvfs@openssh.com'), sftpString('/')));
    expect(answer).toEqual({ code: STATUS.OP_UNSUPPORTED, message: 'the extension statvfs@openssh.com is not supported' });

    const cutsBefore = daemon.events('sftp.session_cut').length;
    raw.stopReading();
    (client as unknown as { _sock: { pause(): void } })._sock.pause();
    const flood = Array.from({ length: 20_000 }, () => raw.build(PACKET.EXTENDED, sftpString('copy-data'), sftpString('x')));
    raw.channel.write(Buffer.concat(flood));
    await waitFor(() => daemon.events('sftp.session_cut').length > cutsBefore);
    client.destroy();
    expect(daemon.events('sftp.session_cut').slice(cutsBefore)).toEqual([
      expect.objectContaining({ partner: 'acme', reason: expect.stringMatching(/request flood/) }),
    ]);
  });

  it('cuts a session whose WRITE data would pile up past its cap', async () => {
    const cutsBefore = daemon.events('sftp.session_cut').length;
    const { client, raw, handle } = await rawUpload(daemon.port, acme, 'too-much.json');
    raw.channel.write(raw.build(PACKET.WRITE, sftpString(handle), uint64(0n), sftpString(Buffer.alloc(200 * 1024))));
    await closed(client);
    const cuts = daemon.events('sftp.session_cut').slice(cutsBefore);
    expect(cuts).toHaveLength(1);
    expect(cuts[0]).toMatchObject({ reason: expect.stringMatching(/write flood/) });
  });
});

describe('memory under a flood of large WRITEs', () => {
  let daemon: TestDaemon;
  let acme: TestPartner;

  beforeAll(async () => {
    daemon = await TestDaemon.start(NAMES_JUDGED_BY_PIPELINE);
    acme = await daemon.addPartner({ id: 'acme' });
  });
  afterAll(() => daemon.destroy());

  it('stays bounded while the client sends and never reads', async () => {
    const upload = await rawUpload(daemon.port, acme, 'big-flood.json');
    const rssBefore = process.memoryUsage().rss;
    let peak = rssBefore;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 5);
    try {
      // 256 KiB requests (the largest OpenSSH sends): 150 MB in all, over the same 10 MB.
      await floodLargeWrites(upload, 600, 256 * 1024 - 64);
      // Let the daemon work through what it received.
      await new Promise((resolve) => setTimeout(resolve, 200));
    } finally {
      clearInterval(sampler);
      upload.client.end();
    }
    // A sanity bound, not a measurement: the daemon holds a bounded amount per session.
    expect(peak - rssBefore).toBeLessThan(150 * 1024 * 1024);
    const session = await connectSftp(daemon.port, acme);
    expect(await sftpCall.realpath(session.sftp, '.')).toBe('/');
    session.end();
  });
});
