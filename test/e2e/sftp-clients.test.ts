/**
 * What real clients send, through the running daemon: OpenSSH's `sftp -b` (key and password),
 * and ssh2's client replaying what paramiko and WinSCP do.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { SFTPWrapper } from 'ssh2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectSftp, OPEN_MODE, refusal, sftpBatch, sftpCall, STATUS, type Ssh2Session } from '../support/clients.js';
import { TestDaemon, waitFor, type TestPartner, NAMES_JUDGED_BY_PIPELINE } from '../support/daemon.js';

const S_IFMT = 0o170000;
const S_IFDIR = 0o040000;
const S_IFREG = 0o100000;

/**
 * A name the crowdtwist-pos rule accepts for client `acme`. Counters start at 0101 and no 0001 ever
 * comes for that day, so each file is `held`: recorded, and kept in the inbox.
 */
const posName = (counter: number) => `20240105_${String(100 + counter).padStart(4, '0')}_acme_pos_batch.json`;

function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

describe('OpenSSH sftp', () => {
  let daemon: TestDaemon;
  let acme: TestPartner;
  let local: string;

  beforeAll(async () => {
    daemon = await TestDaemon.start(NAMES_JUDGED_BY_PIPELINE);
    acme = await daemon.addPartner({ id: 'acme' });
    local = await mkdtemp(path.join(tmpdir(), 'posdrop-local-'));
  });
  afterAll(() => daemon.destroy());

  it('logs in with a key, uploads, lists, renames and removes', async () => {
    const file = path.join(local, posName(1));
    await writeFile(file, '{"pos_data": []}\n');
    const result = await sftpBatch(daemon.port, acme, [
      'cd /inbox',
      `put ${file}`,
      'ls',
      `rename ${posName(1)} ${posName(2)}`,
      'ls -l',
      `rm ${posName(2)}`,
      'ls -l /',
      'quit',
    ]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    // `ls` after the put, then `ls -l` after the rename: each name once, in its own listing.
    expect(result.stdout).toMatch(new RegExp(`sftp> ls\\n${posName(1)}\\s*\\n`));
    expect(result.stdout).toMatch(new RegExp(`-rw-r--r--.* ${posName(2)}\\n`));
    // Folders read as folders in `ls -l` (FileZilla and WinSCP go by the first letter).
    expect(result.stdout).toMatch(/\ndrwxr-xr-x .* inbox\n/);
    expect(result.stdout).toMatch(/\ndr-xr-xr-x .* outbox\n/);
    expect(result.stdout).toMatch(/\ndrwxr-xr-x .* validate\n/);
    expect(await daemon.folder('acme', 'inbox')).toEqual([]);
    // Nothing is left pending: whichever of the two names lived long enough to be registered (the
    // put, the renamed copy, both, or neither when both were gone before the intake could hash
    // them, as the machine's load and the store's round trips decide) was withdrawn when it left.
    await daemon.idle();
    const rows = await waitFor(async () => {
      const ledger = await daemon.ledger('acme');
      return ledger.every((row) => row.state === 'rejected') && ledger;
    });
    expect(rows.map((row) => row.name).every((name) => name === posName(1) || name === posName(2))).toBe(true);
    expect(rows.every((row) => row.reasonCode === 'withdrawn')).toBe(true);
  });

  it('logs in with a password typed in through SSH_ASKPASS', async () => {
    const file = path.join(local, posName(3));
    await writeFile(file, '{"pos_data": []}\n');
    const result = await sftpBatch(daemon.port, acme, [`put ${file} /inbox/`], { auth: 'password' });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(daemon.events('sftp.login').at(-1)).toMatchObject({ partner: 'acme', method: 'password' });
    expect(await daemon.folder('acme', 'inbox')).toContain(posName(3));
  });

  it('refuses a wrong password (the askpass route really answers the prompt)', async () => {
    const result = await sftpBatch(daemon.port, acme, ['ls /'], { auth: 'password', password: 'not-the-password' });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/Permission denied/);
    expect(daemon.events('sftp.login_failed').at(-1)).toMatchObject({ username: 'acme', method: 'password' });
  });

  it('put -p sets times and mode (FSETSTAT) and the upload still lands', async () => {
    const file = path.join(local, posName(4));
    await writeFile(file, '{"pos_data": [1]}\n');
    const result = await sftpBatch(daemon.port, acme, [`put -p ${file} /inbox/`]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(await readFile(daemon.path('partners', 'acme', 'inbox', posName(4)), 'utf8')).toBe('{"pos_data": [1]}\n');
  });

  it('downloads a receipt from /outbox, and nothing from /inbox', async () => {
    const file = path.join(local, 'notes.txt');
    await writeFile(file, 'not a batch\n');
    expect((await sftpBatch(daemon.port, acme, [`put ${file} /inbox/`])).code).toBe(0);
    await waitFor(() => daemon.receipt('acme', 'notes.txt'));
    const downloads = await mkdtemp(path.join(tmpdir(), 'posdrop-get-'));
    const got = await sftpBatch(daemon.port, acme, [`get /outbox/notes.txt.receipt.json ${downloads}/`]);
    expect(got.code).toBe(0);
    const receipt = JSON.parse(await readFile(path.join(downloads, 'notes.txt.receipt.json'), 'utf8')) as Record<string, unknown>;
    expect(receipt).toMatchObject({ file: 'notes.txt', partner: 'acme', state: 'rejected' });
    const refused = await sftpBatch(daemon.port, acme, [`get /inbox/${posName(3)} ${downloads}/`]);
    expect(refused.code).not.toBe(0);
  });

  it('uploads an empty file', async () => {
    const file = path.join(local, posName(5));
    await writeFile(file, '');
    expect((await sftpBatch(daemon.port, acme, [`put ${file} /inbox/`])).code).toBe(0);
    const row = await waitFor(async () => (await daemon.ledger('acme')).find((entry) => entry.name === posName(5) && entry.state !== 'queued'));
    expect(row).toMatchObject({ size: 0, sha256: sha256(Buffer.alloc(0)), state: 'held' });
  });

  it('ends the session when the client quits', async () => {
    const before = daemon.events('sftp.disconnected').length;
    const result = await sftpBatch(daemon.port, acme, ['pwd', 'quit']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Remote working directory: /');
    await waitFor(() => daemon.events('sftp.disconnected').length > before);
  });
});

describe('ssh2 client, replaying paramiko and WinSCP', () => {
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

  it('answers REALPATH "." with "/", and clamps .. at the root', async () => {
    expect(await sftpCall.realpath(session.sftp, '.')).toBe('/');
    expect(await sftpCall.realpath(session.sftp, 'inbox/../..')).toBe('/');
    expect(await sftpCall.realpath(session.sftp, '/outbox/./')).toBe('/outbox');
  });

  it('STAT on a folder gives folder mode bits; /outbox is read-only', async () => {
    const root = await sftpCall.stat(session.sftp, '/');
    const inbox = await sftpCall.stat(session.sftp, '/inbox');
    const outbox = await sftpCall.stat(session.sftp, '/outbox');
    expect(root.mode & S_IFMT).toBe(S_IFDIR);
    expect(inbox.isDirectory()).toBe(true);
    expect(inbox.mode & 0o777).toBe(0o755);
    expect(outbox.mode & 0o777).toBe(0o555);
  });

  it('lists names with ls -l style longnames', async () => {
    await sftpCall.writeFile(session.sftp, `/inbox/${posName(7)}`, '{}');
    const root = await sftpCall.readdir(session.sftp, '/');
    expect(root.map((entry) => entry.filename).sort()).toEqual(['inbox', 'outbox', 'validate']);
    for (const entry of root) expect(entry.longname[0]).toBe('d');
    const inbox = await sftpCall.readdir(session.sftp, '/inbox');
    const listed = inbox.find((entry) => entry.filename === posName(7));
    expect(listed?.longname[0]).toBe('-');
    expect(listed?.longname.endsWith(` ${posName(7)}`)).toBe(true);
    expect((listed?.attrs.mode ?? 0) & S_IFMT).toBe(S_IFREG);
  });

  it('answers STAT for a just-closed file, even once the daemon has archived it (paramiko confirm)', async () => {
    const data = randomBytes(5000);
    await sftpCall.writeFile(session.sftp, '/inbox/confirm.txt', data);
    const stats = await sftpCall.stat(session.sftp, '/inbox/confirm.txt');
    expect(stats.size).toBe(data.length);
    // The name fits no rule: the file is rejected and leaves the inbox for the archive.
    await waitFor(async () => (await daemon.receipt('acme', 'confirm.txt')).state === 'rejected');
    await waitFor(async () => !(await daemon.folder('acme', 'inbox')).includes('confirm.txt'));
    expect((await sftpCall.stat(session.sftp, '/inbox/confirm.txt')).size).toBe(data.length);
    await sftpCall.setstat(session.sftp, '/inbox/confirm.txt', { mtime: 1_700_000_000, atime: 1_700_000_000 });
  });

  it('replays WinSCP: .filepart upload, then REMOVE, RENAME and SETSTAT pipelined behind CLOSE', async () => {
    const { sftp } = session;
    const name = posName(8);
    const data = randomBytes(100_000);
    const handle = await sftpCall.open(sftp, `/inbox/${name}.filepart`, 'w');
    await sftpCall.write(sftp, handle, data, 0);
    // Issued at once, without waiting for any reply.
    const [closeDone, removeDone, renameDone, setstatDone] = await Promise.allSettled([
      sftpCall.close(sftp, handle),
      sftpCall.unlink(sftp, `/inbox/${name}`),
      sftpCall.rename(sftp, `/inbox/${name}.filepart`, `/inbox/${name}`),
      sftpCall.setstat(sftp, `/inbox/${name}`, { mtime: 1_700_000_000, atime: 1_700_000_000, mode: 0o644 }),
    ]);
    expect(closeDone.status).toBe('fulfilled');
    expect(removeDone.status).toBe('rejected');
    expect((removeDone as PromiseRejectedResult).reason.code).toBe(STATUS.NO_SUCH_FILE);
    expect(renameDone.status).toBe('fulfilled');
    expect(setstatDone.status).toBe('fulfilled');
    const row = await waitFor(async () => (await daemon.ledger('acme')).find((file) => file.name === name));
    expect(row.sha256).toBe(sha256(data));
    expect((await daemon.ledger('acme')).some((file) => file.name.endsWith('.filepart'))).toBe(false);
  });

  it('holds temporary names (*.filepart, *.part, *.tmp) until they are renamed', async () => {
    const { sftp } = session;
    for (const suffix of ['filepart', 'part', 'tmp']) {
      await sftpCall.writeFile(sftp, `/inbox/${suffix}-upload.json.${suffix}`, `{"${suffix}": true}`);
    }
    // Written into the inbox by hand, too.
    await writeFile(daemon.path('partners', 'acme', 'inbox', 'by-hand.json.part'), '{}');
    const listed = (await sftpCall.readdir(sftp, '/inbox')).map((entry) => entry.filename);
    expect(listed).toEqual(expect.arrayContaining(['filepart-upload.json.filepart', 'part-upload.json.part', 'tmp-upload.json.tmp']));
    await daemon.app.running.intake.rescan();
    await daemon.idle();
    expect((await daemon.ledger('acme')).filter((file) => /\.(filepart|part|tmp)$/.test(file.name))).toEqual([]);

    await sftpCall.rename(sftp, '/inbox/part-upload.json.part', `/inbox/${posName(9)}`);
    const row = await waitFor(async () => (await daemon.ledger('acme')).find((file) => file.name === posName(9) && file.state !== 'queued'));
    expect(row.sha256).toBe(sha256(Buffer.from('{"part": true}')));
    expect(row.state).toBe('held');
  });

  it('resumes a partial with OPEN WRITE|CREAT|APPEND at the size STAT reports', async () => {
    const { sftp } = session;
    const data = randomBytes(300_000);
    const name = posName(10);
    const first = await sftpCall.open(sftp, `/inbox/${name}`, 'w');
    await sftpCall.write(sftp, first, data.subarray(0, 120_000), 0);
    // The client goes away without CLOSE: the partial stays in the spool under its target name.
    session.end();
    await waitFor(() => daemon.events('sftp.disconnected').length > 0);
    expect(await daemon.spool('acme')).toContain(`${name}.part`);
    expect(await daemon.folder('acme', 'inbox')).not.toContain(name);

    session = await connectSftp(daemon.port, acme);
    const partial = await sftpCall.stat(session.sftp, `/inbox/${name}`);
    expect(partial.size).toBe(120_000);
    const handle = await sftpCall.open(session.sftp, `/inbox/${name}`, OPEN_MODE.WRITE | OPEN_MODE.CREAT | OPEN_MODE.APPEND);
    await sftpCall.write(session.sftp, handle, data.subarray(partial.size), partial.size);
    await sftpCall.close(session.sftp, handle);
    expect(await daemon.spool('acme')).not.toContain(`${name}.part`);
    const row = await waitFor(async () => (await daemon.ledger('acme')).find((file) => file.name === name));
    expect(row.sha256).toBe(sha256(data));
  });

  it('answers requests on handles that do not exist, or of the wrong kind, and goes on', async () => {
    const { sftp } = session;
    const bogus = Buffer.from([0, 0, 0x7f, 0xff]);
    expect((await refusal(sftpCall.close(sftp, bogus))).code).toBe(STATUS.FAILURE);
    expect((await refusal(sftpCall.write(sftp, bogus, Buffer.from('x'), 0))).code).toBe(STATUS.FAILURE);
    expect((await refusal(sftpCall.read(sftp, Buffer.from('not-a-handle'), 10, 0))).code).toBe(STATUS.FAILURE);
    const dir = await sftpCall.opendir(sftp, '/inbox');
    expect((await refusal(sftpCall.write(sftp, dir, Buffer.from('x'), 0))).message).toMatch(/not opened for writing/);
    expect((await refusal(sftpCall.fstat(sftp, dir))).code).toBe(STATUS.FAILURE);
    await sftpCall.close(sftp, dir);
    expect((await refusal(sftpCall.close(sftp, dir))).code).toBe(STATUS.FAILURE);
    expect(await sftpCall.realpath(sftp, '.')).toBe('/');
  });

  it('lets one session at a time write a name', async () => {
    const other = await connectSftp(daemon.port, acme);
    const name = posName(12);
    const handle = await sftpCall.open(session.sftp, `/inbox/${name}`, 'w');
    const busy = await refusal(sftpCall.open(other.sftp, `/inbox/${name}`, 'w'));
    expect(busy).toMatchObject({ code: STATUS.FAILURE, message: expect.stringMatching(/being uploaded by another session/) });
    expect((await refusal(sftpCall.unlink(other.sftp, `/inbox/${name}`))).message).toMatch(/being uploaded/);
    await sftpCall.write(session.sftp, handle, Buffer.from('{}'), 0);
    await sftpCall.close(session.sftp, handle);
    other.end();
  });

  it('ends the SFTP channel when the client ends it, keeping the connection', async () => {
    const other = await connectSftp(daemon.port, acme);
    const channelClosed = new Promise<void>((resolve) => other.sftp.on('close', () => resolve()));
    other.sftp.end();
    await channelClosed;
    // The connection is still there: a new SFTP channel opens on it.
    const again = await new Promise<SFTPWrapper>((resolve, reject) =>
      other.client.sftp((err, sftp) => (err ? reject(err) : resolve(sftp))),
    );
    expect(await sftpCall.realpath(again, '.')).toBe('/');
    other.end();
  });

  it('replaces a file still waiting in the inbox with a new upload of its name', async () => {
    const name = posName(11);
    await sftpCall.writeFile(session.sftp, `/inbox/${name}`, 'first');
    await daemon.arrived('acme', name, Buffer.from('first'));
    await sftpCall.writeFile(session.sftp, `/inbox/${name}`, 'second');
    expect(await readFile(daemon.path('partners', 'acme', 'inbox', name), 'utf8')).toBe('second');
  });
});
