/**
 * WinSCP, the client most Windows partners use, replayed request by request with ssh2's client
 * through the same scenario as the other clients (clients-compat.test.ts): upload through a
 * .filepart, resume of a .filepart cut short, listing, download of a receipt, and replacing a file
 * (REMOVE of the target, RENAME of the .filepart, SETSTAT), pending or already processed.
 */
import { randomBytes } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectSftp, sftpCall, type Ssh2Session } from '../support/clients.js';
import { sha256, TestDaemon, waitFor, type TestPartner, NAMES_JUDGED_BY_PIPELINE } from '../support/daemon.js';
import { winscpDownload, winscpUpload } from '../support/winscp-replay.js';

const SSH2_VERSION = (createRequire(import.meta.url)('ssh2/package.json') as { version: string }).version;

/** Counters from 0101 and never a 0001 for that day: each file stays `held`, pending in the inbox. */
const posName = (counter: number) => `20240105_${String(100 + counter).padStart(4, '0')}_acme_pos_winscp.json`;

describe(`WinSCP's requests, replayed with ssh2 ${SSH2_VERSION}`, () => {
  let daemon: TestDaemon;
  let acme: TestPartner;
  let session: Ssh2Session;

  beforeAll(async () => {
    daemon = await TestDaemon.start(NAMES_JUDGED_BY_PIPELINE);
    acme = await daemon.addPartner({ id: 'acme' });
    session = await connectSftp(daemon.port, acme);
  });
  afterAll(async () => {
    session.end();
    await daemon.destroy();
  });

  it('uploads a batch through a .filepart, byte for byte', async () => {
    const name = posName(1);
    const data = randomBytes(300_000);
    await winscpUpload(session.sftp, data, `/inbox/${name}`);
    expect(await daemon.arrived('acme', name, data)).toMatchObject({ size: data.length, state: 'held' });
    expect((await daemon.ledger('acme')).some((row) => row.name.endsWith('.filepart'))).toBe(false);
  });

  it('resumes a .filepart cut short, byte for byte', async () => {
    const name = posName(2);
    const data = randomBytes(4 * 1024 * 1024);
    const disconnects = daemon.events('sftp.disconnected').length;
    await winscpUpload(session.sftp, data, `/inbox/${name}`, { stopAt: 1536 * 1024 });
    // The connection drops: no CLOSE, the .filepart stays in the spool.
    (session.client as unknown as { _sock: { destroy(): void } })._sock.destroy();
    await waitFor(() => daemon.events('sftp.disconnected').length > disconnects, 30_000);
    expect((await stat(daemon.path('spool', 'acme', 'inbox', `${name}.filepart.part`))).size).toBe(1536 * 1024);

    session = await connectSftp(daemon.port, acme);
    await winscpUpload(session.sftp, data, `/inbox/${name}`);
    expect(await daemon.spool('acme')).toEqual([]);
    expect(await daemon.arrived('acme', name, data)).toMatchObject({ size: data.length, state: 'held' });
  });

  it('lists /inbox and /outbox as they are on disk', async () => {
    const name = posName(3);
    await winscpUpload(session.sftp, randomBytes(150_000), `/inbox/${name}`);
    await waitFor(async () => (await daemon.outbox('acme')).includes(`${name}.receipt.json`), 30_000);
    const inbox = await sftpCall.readdir(session.sftp, '/inbox');
    expect(inbox.map((entry) => entry.filename).sort()).toEqual(await daemon.folder('acme', 'inbox'));
    // WinSCP takes the file type from the first letter of the long name.
    expect(inbox.every((entry) => entry.longname.startsWith('-'))).toBe(true);
    const outbox = await sftpCall.readdir(session.sftp, '/outbox');
    expect(outbox.map((entry) => entry.filename).sort()).toEqual(await daemon.outbox('acme'));
  });

  it('downloads a receipt from /outbox', async () => {
    const name = posName(4);
    await winscpUpload(session.sftp, randomBytes(120_000), `/inbox/${name}`);
    await waitFor(async () => (await daemon.receipt('acme', name)).state === 'held', 30_000);
    const receipt = await winscpDownload(session.sftp, `/outbox/${name}.receipt.json`);
    expect(receipt.toString('utf8')).toBe(await readFile(daemon.path('partners', 'acme', 'outbox', `${name}.receipt.json`), 'utf8'));
    expect(JSON.parse(receipt.toString('utf8'))).toMatchObject({ file: name, state: 'held' });
  });

  it('replaces a pending file: REMOVE of the target, RENAME of the .filepart, SETSTAT', async () => {
    const name = posName(5);
    const first = randomBytes(110_000);
    const second = randomBytes(130_000);
    await winscpUpload(session.sftp, first, `/inbox/${name}`);
    await daemon.arrived('acme', name, first);
    await winscpUpload(session.sftp, second, `/inbox/${name}`);
    expect(await daemon.arrived('acme', name, second)).toMatchObject({ size: second.length, state: 'held' });
    expect((await daemon.ledger('acme')).find((row) => row.name === name && row.sha256 === sha256(first))).toMatchObject({
      state: 'rejected',
      reasonCode: 'withdrawn',
    });
  });

  it('replaces a file already processed, whose name STAT still shows', async () => {
    // A name no rule accepts is refused and archived at once. STAT still shows it for a while, so
    // WinSCP REMOVEs it before its RENAME, and gives up the upload if that REMOVE fails.
    const name = 'notes.txt';
    const first = randomBytes(101_000);
    const second = randomBytes(102_000);
    await winscpUpload(session.sftp, first, `/inbox/${name}`);
    await waitFor(async () => (await daemon.receipt('acme', name)).sha256 === sha256(first), 30_000);
    await waitFor(async () => !(await daemon.folder('acme', 'inbox')).includes(name), 30_000);
    expect((await sftpCall.stat(session.sftp, `/inbox/${name}`)).size).toBe(first.length);
    await winscpUpload(session.sftp, second, `/inbox/${name}`);
    expect(await daemon.arrived('acme', name, second)).toMatchObject({ state: 'rejected', reasonCode: 'name_unrecognised' });
  });
});
