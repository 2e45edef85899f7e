/**
 * Uploads that do not go to plan: a client killed mid-upload and resumed, a dropped connection,
 * a file over the size limit, a WRITE far past it.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  closed,
  connectSftp,
  killGroup,
  OPEN_MODE,
  refusal,
  sftpBatch,
  sftpCall,
  startSftpBatch,
  STATUS,
} from '../support/clients.js';
import { FakeClock } from '../support/clock.js';
import { TestDaemon, waitFor, type TestPartner, NAMES_JUDGED_BY_PIPELINE } from '../support/daemon.js';

/** Counters from 0101 with no 0001 for that day: each file is `held`, pending in the inbox. */
const posName = (counter: number) => `20240105_${String(100 + counter).padStart(4, '0')}_acme_pos_upload.json`;

function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

describe('interrupted and oversize uploads', () => {
  let daemon: TestDaemon;
  let acme: TestPartner;
  let small: TestPartner;
  let local: string;

  beforeAll(async () => {
    daemon = await TestDaemon.start(NAMES_JUDGED_BY_PIPELINE);
    acme = await daemon.addPartner({ id: 'acme' });
    small = await daemon.addPartner({ id: 'small', maxUploadBytes: 64 * 1024 });
    local = await mkdtemp(path.join(tmpdir(), 'posdrop-local-'));
  });
  afterAll(() => daemon.destroy());

  it('keeps the partial of a killed OpenSSH upload in the spool, and reput completes it byte for byte', async () => {
    const name = posName(1);
    const data = randomBytes(4 * 1024 * 1024);
    const file = path.join(local, name);
    await writeFile(file, data);
    const spoolFile = daemon.path('spool', 'acme', 'inbox', `${name}.part`);
    const disconnects = daemon.events('sftp.disconnected').length;

    // 8 Mbit/s: the upload takes seconds, long enough to pull the plug half-way.
    const upload = await startSftpBatch(daemon.port, acme, [`put ${file} /inbox/`], { args: ['-l', '8000'] });
    await waitFor(async () => (await stat(spoolFile)).size >= 512 * 1024, 20_000);
    await killGroup(upload);
    await waitFor(() => daemon.events('sftp.disconnected').length > disconnects);

    const partialSize = (await stat(spoolFile)).size;
    expect(partialSize).toBeGreaterThan(0);
    expect(partialSize).toBeLessThan(data.length);
    expect(await daemon.folder('acme', 'inbox')).toEqual([]);
    expect(await daemon.ledger('acme')).toEqual([]);
    // The partner sees the partial under its target name, with the size reached.
    const listing = await sftpBatch(daemon.port, acme, ['ls -l /inbox']);
    expect(listing.stdout).toMatch(new RegExp(`-rw-r--r-- .* ${partialSize} .* ${name}\\n`));

    const resumed = await sftpBatch(daemon.port, acme, [`reput ${file} /inbox/${name}`]);
    expect(resumed.stderr).toBe('');
    expect(resumed.code).toBe(0);
    expect(await daemon.spool('acme')).toEqual([]);
    expect(sha256(await readFile(daemon.path('partners', 'acme', 'inbox', name)))).toBe(sha256(data));
    const row = await waitFor(async () => (await daemon.ledger('acme')).find((entry) => entry.name === name && entry.state !== 'queued'));
    expect(row).toMatchObject({ sha256: sha256(data), size: data.length, state: 'held' });
  });

  it('leaves only the spool partial when the connection drops mid-upload', async () => {
    const name = posName(2);
    const session = await connectSftp(daemon.port, acme);
    const handle = await sftpCall.open(session.sftp, `/inbox/${name}`, 'w');
    await sftpCall.write(session.sftp, handle, randomBytes(50_000), 0);
    const disconnects = daemon.events('sftp.disconnected').length;
    (session.client as unknown as { _sock: { destroy(): void } })._sock.destroy();
    await waitFor(() => daemon.events('sftp.disconnected').length > disconnects);
    expect(await daemon.spool('acme')).toEqual([`${name}.part`]);
    expect(await daemon.folder('acme', 'inbox')).not.toContain(name);
    expect((await daemon.ledger('acme')).find((row) => row.name === name)).toBeUndefined();

    // A plain put (OPEN with TRUNC) starts over rather than resuming.
    const again = await connectSftp(daemon.port, acme);
    await sftpCall.writeFile(again.sftp, `/inbox/${name}`, 'fresh start');
    again.end();
    expect(await readFile(daemon.path('partners', 'acme', 'inbox', name), 'utf8')).toBe('fresh start');
    expect(await daemon.spool('acme')).toEqual([]);
  });

  it('refuses a file over the limit while it arrives, deletes the partial, delivers nothing', async () => {
    const file = path.join(local, 'big-batch.json');
    await writeFile(file, randomBytes(200 * 1024));
    const result = await sftpBatch(daemon.port, small, [`put ${file} /inbox/`]);
    expect(result.code).not.toBe(0);
    expect(await daemon.spool('small')).toEqual([]);
    expect(await daemon.folder('small', 'inbox')).toEqual([]);
    // nothing of it is kept: its ledger row is the refusal, answered with a receipt
    await waitFor(async () => (await daemon.ledger('small')).length === 1);
    expect(await daemon.ledger('small')).toEqual([expect.objectContaining({ name: 'big-batch.json', state: 'rejected', reasonCode: 'oversize' })]);
    expect(daemon.events('sftp.upload_refused').at(-1)).toMatchObject({ partner: 'small', file: 'big-batch.json' });
    expect(String(daemon.events('sftp.upload_refused').at(-1)?.reason)).toMatch(/larger than the upload limit of 64 KiB \(65,536 bytes\)/);
  });

  it('refuses a WRITE at a huge offset at once, and every WRITE after it', async () => {
    const session = await connectSftp(daemon.port, small);
    const { sftp } = session;
    const handle = await sftpCall.open(sftp, '/inbox/sparse.json', 'w');
    await sftpCall.write(sftp, handle, Buffer.from('{"pos_data": ['), 0);
    expect(await daemon.spool('small')).toEqual(['sparse.json.part']);
    const huge = await refusal(sftpCall.write(sftp, handle, Buffer.from('x'), 2 ** 40));
    expect(huge.code).toBe(STATUS.FAILURE);
    expect(huge.message).toMatch(/larger than the upload limit/);
    expect(await daemon.spool('small')).toEqual([]);
    expect((await refusal(sftpCall.write(sftp, handle, Buffer.from('x'), 20))).code).toBe(STATUS.FAILURE);
    expect((await refusal(sftpCall.close(sftp, handle))).code).toBe(STATUS.FAILURE);
    expect(await daemon.folder('small', 'inbox')).toEqual([]);
    // The session goes on: the next upload within the limit works.
    await sftpCall.writeFile(sftp, '/inbox/after.json', '{}');
    expect(await daemon.folder('small', 'inbox')).toContain('after.json');
    session.end();
  });

  it('keeps an upload cut by a daemon restart resumable', async () => {
    const name = posName(3);
    const data = randomBytes(200_000);
    const session = await connectSftp(daemon.port, acme);
    const handle = await sftpCall.open(session.sftp, `/inbox/${name}`, 'w');
    await sftpCall.write(session.sftp, handle, data.subarray(0, 80_000), 0);
    const cut = closed(session.client);
    await daemon.restart();
    await cut;
    expect(await daemon.spool('acme')).toEqual([`${name}.part`]);
    expect((await daemon.ledger('acme')).find((row) => row.name === name)).toBeUndefined();

    const resumed = await connectSftp(daemon.port, acme);
    const size = (await sftpCall.stat(resumed.sftp, `/inbox/${name}`)).size;
    expect(size).toBe(80_000);
    const again = await sftpCall.open(resumed.sftp, `/inbox/${name}`, OPEN_MODE.WRITE | OPEN_MODE.APPEND);
    await sftpCall.write(resumed.sftp, again, data.subarray(size), size);
    await sftpCall.close(resumed.sftp, again);
    resumed.end();
    const row = await waitFor(async () => (await daemon.ledger('acme')).find((entry) => entry.name === name));
    expect(row.sha256).toBe(sha256(data));
  });

  it('refuses to resume what does not exist (OPEN WRITE without CREAT)', async () => {
    const session = await connectSftp(daemon.port, acme);
    const missing = await refusal(sftpCall.open(session.sftp, '/inbox/never-started.json', OPEN_MODE.WRITE | OPEN_MODE.APPEND));
    expect(missing.code).toBe(STATUS.NO_SUCH_FILE);
    session.end();
  });
});

describe('partials nobody resumes', () => {
  const clock = new FakeClock();
  let daemon: TestDaemon;
  let acme: TestPartner;

  beforeAll(async () => {
    daemon = await TestDaemon.start({ ...NAMES_JUDGED_BY_PIPELINE, sftp: { partial_expiry_hours: 24 } }, { clock });
    acme = await daemon.addPartner({ id: 'acme' });
  });
  afterAll(() => daemon.destroy());

  /** Starts an upload and drops the connection half-way. */
  async function interrupted(name: string): Promise<void> {
    const session = await connectSftp(daemon.port, acme);
    const handle = await sftpCall.open(session.sftp, `/inbox/${name}`, 'w');
    await sftpCall.write(session.sftp, handle, randomBytes(10_000), 0);
    const disconnects = daemon.events('sftp.disconnected').length;
    (session.client as unknown as { _sock: { destroy(): void } })._sock.destroy();
    await waitFor(() => daemon.events('sftp.disconnected').length > disconnects);
  }

  it('deletes a partial once it has not grown for the expiry time, and spares the rest', async () => {
    await interrupted('stale.json');
    await interrupted('fresh.json');
    // An upload in progress is never swept, however old its partial looks.
    const writer = await connectSftp(daemon.port, acme);
    const handle = await sftpCall.open(writer.sftp, '/inbox/writing.json', 'w');
    await sftpCall.write(writer.sftp, handle, Buffer.from('{'), 0);

    clock.advance(25 * 3600_000);
    // Files carry real times: this one was written "an hour ago" by the daemon's clock.
    const anHourAgo = new Date(clock.now().getTime() - 3600_000);
    await utimes(daemon.path('spool', 'acme', 'inbox', 'fresh.json.part'), anHourAgo, anHourAgo);

    expect(await daemon.app.running.sftp.sweepPartials()).toBe(1);
    expect(await daemon.spool('acme')).toEqual(['fresh.json.part', 'writing.json.part']);
    expect(daemon.events('sftp.partial_expired')).toEqual([expect.objectContaining({ partner: 'acme', file: 'stale.json' })]);
    await sftpCall.write(writer.sftp, handle, Buffer.from('}'), 1);
    await sftpCall.close(writer.sftp, handle);
    expect(await readFile(daemon.path('partners', 'acme', 'inbox', 'writing.json'), 'utf8')).toBe('{}');
    writer.end();
  });
});
