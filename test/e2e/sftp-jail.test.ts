/**
 * The jail: a session sees /inbox, /validate and /outbox and nothing else. Traversal, links and
 * special files planted in partner folders, bad names, and requests that would change the tree.
 */
import { execFileSync } from 'node:child_process';
import { mkdir, readFile, rename, rm, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { SFTPWrapper } from 'ssh2';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { connectSftp, connectSsh, refusal, sftpCall, STATUS, type Ssh2Session } from '../support/clients.js';
import { TestDaemon, waitFor, type TestPartner, NAMES_JUDGED_BY_PIPELINE } from '../support/daemon.js';
import { PACKET, RawSftp, sftpString, statusOf, uint32 } from '../support/raw-sftp.js';

/** A name the crowdtwist-pos rule accepts for `acme`, `held` (no 0001 comes for that day): it stays in the inbox. */
const CLIMB = '20240105_0101_acme_pos_climb.json';
const FIRST = '20240105_0002_acme_pos_first.json';
const SECOND = '20240105_0003_acme_pos_second.json';
const THIRD = '20240105_0004_acme_pos_third.json';

describe('the jail', () => {
  let daemon: TestDaemon;
  let acme: TestPartner;
  let session: Ssh2Session;
  /** A file of another partner, and a host file, both of which exist. */
  let otherSecret: string;

  beforeAll(async () => {
    daemon = await TestDaemon.start(NAMES_JUDGED_BY_PIPELINE);
    acme = await daemon.addPartner({ id: 'acme' });
    await daemon.addPartner({ id: 'other' });
    otherSecret = daemon.path('partners', 'other', 'outbox', 'secret.json');
    await mkdir(path.dirname(otherSecret), { recursive: true });
    await writeFile(otherSecret, '{"secret": true}');
    session = await connectSftp(daemon.port, acme);
  });
  afterAll(async () => {
    session.end();
    await daemon.destroy();
  });

  describe('traversal', () => {
    const outside = (existing: boolean) => [
      existing ? '../../etc/passwd' : '../../etc/no-such-file',
      existing ? '/etc/passwd' : '/etc/no-such-file',
      existing ? '//etc/passwd' : '//etc/no-such-file',
      existing ? '/inbox/../../../../etc/passwd' : '/inbox/../../../../etc/no-such-file',
      existing ? '/inbox/../../other/outbox/secret.json' : '/inbox/../../other/outbox/no-such-file.json',
      existing ? '/outbox/../other/outbox/secret.json' : '/outbox/../other/outbox/no-such-file.json',
    ];

    it('answers the same "no such file" for outside paths, whether they exist or not', async () => {
      const { sftp } = session;
      const absoluteOther = daemon.path('partners', 'other', 'outbox', 'secret.json');
      const pairs = [
        ...outside(true).map((existing, i) => [existing, outside(false)[i] as string]),
        [absoluteOther, `${absoluteOther}.missing`],
      ];
      for (const [existing, missing] of pairs as [string, string][]) {
        for (const probe of [
          (p: string) => sftpCall.stat(sftp, p),
          (p: string) => sftpCall.lstat(sftp, p),
          (p: string) => sftpCall.open(sftp, p, 'r'),
          (p: string) => sftpCall.opendir(sftp, p),
          (p: string) => sftpCall.unlink(sftp, p),
          (p: string) => sftpCall.setstat(sftp, p, { mtime: 1, atime: 1 }),
        ]) {
          const there = await refusal(probe(existing));
          const notThere = await refusal(probe(missing));
          expect(there, existing).toEqual({ code: STATUS.NO_SUCH_FILE, message: 'No such file' });
          expect(notThere, missing).toEqual(there);
        }
      }
      expect(await readFile(otherSecret, 'utf8')).toBe('{"secret": true}');
    });

    it('clamps .. at the root, so a longer path that climbs out lands inside', async () => {
      await sftpCall.writeFile(session.sftp, `/../../inbox/../inbox/./${CLIMB}`, '{}');
      expect(await daemon.folder('acme', 'inbox')).toContain(CLIMB);
      expect((await sftpCall.stat(session.sftp, `inbox/../../inbox/${CLIMB}`)).size).toBe(2);
    });

    it('refuses a path with a NUL byte before touching the disk', async () => {
      for (const probe of ['/inbox/a\0b.json', '/etc/passwd\0', '/inbox/\0']) {
        const write = await refusal(sftpCall.writeFile(session.sftp, probe, 'x'));
        expect(write.code).toBe(STATUS.FAILURE);
        expect(write.message).toMatch(/NUL/);
        expect((await refusal(sftpCall.stat(session.sftp, probe))).code).toBe(STATUS.FAILURE);
      }
      expect(await daemon.spool('acme')).toEqual([]);
    });

    it('refuses uploads outside the three folders and to the root', async () => {
      for (const target of ['/x.json', '/etc/x.json', '/inbox/sub/x.json', '/inbox', '/']) {
        expect((await refusal(sftpCall.writeFile(session.sftp, target, 'x'))).code, target).not.toBe(STATUS.OK);
      }
      expect(await daemon.spool('acme')).toEqual([]);
    });
  });

  describe('names', () => {
    const badNames: [string, string][] = [
      ['..', 'folder'],
      ['a\\b.json', '/ or \\'],
      ['tab\there.json', 'control characters'],
      ['new\nline.json', 'control characters'],
      ['bell\u0007.json', 'control characters'],
      ['del\u007f.json', 'control characters'],
      ['c1\u0085.json', 'control characters'],
      ['.hidden.json', 'dot'],
      [`${'a'.repeat(256)}.json`, 'longer than 255 bytes'],
      [`${'é'.repeat(101)}.json`, 'longer than 200 bytes'],
    ];

    it.each(badNames)('refuses to upload %j', async (name, why) => {
      const { code, message } = await refusal(sftpCall.writeFile(session.sftp, `/inbox/${name}`, 'x'));
      expect(code).toBe(STATUS.FAILURE);
      expect(message).toContain(why);
      expect(await daemon.spool('acme')).toEqual([]);
    });

    it('refuses a name that is not valid UTF-8', async () => {
      const client = await connectSsh(daemon.port, { username: 'acme', privateKey: acme.privateKey });
      const raw = await RawSftp.open(client);
      for (const bytes of [
        Buffer.from([0x69, 0xff, 0xfe, 0x2e, 0x6a]),
        Buffer.from([0x61, 0xc0, 0xaf, 0x62]), // an overlong "/"
        Buffer.from([0x61, 0xed, 0xa0, 0x80]), // a UTF-16 surrogate
      ]) {
        const path = Buffer.concat([Buffer.from('/inbox/'), bytes]);
        const open = statusOf(await raw.request(PACKET.OPEN, sftpString(path), uint32(0x1a), uint32(0)));
        expect(open.code).toBe(STATUS.FAILURE);
        expect(open.message).toMatch(/invalid UTF-8/);
        const renamed = statusOf(await raw.request(PACKET.RENAME, sftpString(`/inbox/${CLIMB}`), sftpString(path)));
        expect(renamed.code).toBe(STATUS.FAILURE);
      }
      client.end();
      expect(await daemon.spool('acme')).toEqual([]);
      expect(await daemon.folder('acme', 'inbox')).toContain(CLIMB);
    });
  });

  describe('links and special files planted in partner folders', () => {
    const inbox = () => daemon.path('partners', 'acme', 'inbox');
    const outbox = () => daemon.path('partners', 'acme', 'outbox');

    afterEach(async () => {
      for (const name of ['to-passwd.json', 'dangling.json', 'to-other.json']) {
        await rm(path.join(inbox(), name), { force: true });
        await rm(path.join(outbox(), name), { force: true });
      }
    });

    it('never lists or follows a link as the last component, dangling or not', async () => {
      await symlink('/etc/passwd', path.join(inbox(), 'to-passwd.json'));
      await symlink('/nonexistent/target', path.join(inbox(), 'dangling.json'));
      await symlink(otherSecret, path.join(outbox(), 'to-other.json'));
      await symlink('/etc/passwd', path.join(outbox(), 'to-passwd.json'));
      const { sftp } = session;
      const listed = [
        ...(await sftpCall.readdir(sftp, '/inbox')).map((entry) => entry.filename),
        ...(await sftpCall.readdir(sftp, '/outbox')).map((entry) => entry.filename),
      ];
      expect(listed).not.toEqual(expect.arrayContaining(['to-passwd.json']));
      expect(listed).not.toContain('dangling.json');
      expect(listed).not.toContain('to-other.json');
      for (const target of ['/inbox/to-passwd.json', '/inbox/dangling.json', '/outbox/to-other.json', '/outbox/to-passwd.json']) {
        expect((await refusal(sftpCall.stat(sftp, target))).code, target).toBe(STATUS.NO_SUCH_FILE);
        expect((await refusal(sftpCall.lstat(sftp, target))).code, target).toBe(STATUS.NO_SUCH_FILE);
        expect((await refusal(sftpCall.unlink(sftp, target))).code, target).not.toBe(STATUS.OK);
        expect((await refusal(sftpCall.rename(sftp, target, '/inbox/stolen.json'))).code, target).not.toBe(STATUS.OK);
      }
      for (const target of ['/outbox/to-other.json', '/outbox/to-passwd.json']) {
        expect((await refusal(sftpCall.readFile(sftp, target))).code, target).toBe(STATUS.NO_SUCH_FILE);
      }
      // Uploading onto a link's name writes to the spool and never through the link.
      expect((await refusal(sftpCall.writeFile(sftp, '/inbox/dangling.json', 'x'))).code).toBe(STATUS.FAILURE);
      expect(await readFile(otherSecret, 'utf8')).toBe('{"secret": true}');
      expect(execFileSync('readlink', [path.join(inbox(), 'dangling.json')]).toString().trim()).toBe('/nonexistent/target');
      // A rename onto a link's name does not replace the link.
      await sftpCall.writeFile(sftp, '/inbox/mover.json', 'm');
      expect((await refusal(sftpCall.rename(sftp, '/inbox/mover.json', '/inbox/to-passwd.json'))).code).toBe(STATUS.FAILURE);
      await sftpCall.unlink(sftp, '/inbox/mover.json');
    });

    it('refuses a folder that is itself a link (a middle component)', async () => {
      const real = daemon.path('partners', 'acme', 'inbox.real');
      await rename(inbox(), real);
      await symlink(daemon.path('partners', 'other', 'outbox'), inbox());
      try {
        const { sftp } = session;
        expect((await refusal(sftpCall.readdir(sftp, '/inbox'))).code).toBe(STATUS.PERMISSION_DENIED);
        expect((await refusal(sftpCall.stat(sftp, '/inbox/secret.json'))).code).toBe(STATUS.PERMISSION_DENIED);
        expect((await refusal(sftpCall.writeFile(sftp, '/inbox/through.json', 'x'))).code).toBe(STATUS.PERMISSION_DENIED);
        expect((await refusal(sftpCall.unlink(sftp, '/inbox/secret.json'))).code).toBe(STATUS.PERMISSION_DENIED);
        expect(await daemon.folder('other', 'outbox')).toEqual(['secret.json']);
      } finally {
        await rm(inbox());
        await rename(real, inbox());
      }
    });

    it('refuses a spool folder that is a link', async () => {
      const spool = daemon.path('spool', 'acme', 'inbox');
      await rename(spool, `${spool}.real`);
      await symlink(daemon.path('partners', 'other', 'outbox'), spool);
      try {
        expect((await refusal(sftpCall.writeFile(session.sftp, '/inbox/via-spool.json', 'x'))).code).toBe(STATUS.PERMISSION_DENIED);
        expect(await daemon.folder('other', 'outbox')).toEqual(['secret.json']);
      } finally {
        await rm(spool);
        await rename(`${spool}.real`, spool);
      }
    });

    it('neither lists nor blocks on a FIFO planted in /outbox', async () => {
      const fifo = path.join(outbox(), 'pipe.json');
      execFileSync('mkfifo', [fifo]);
      try {
        const { sftp } = session;
        expect((await sftpCall.readdir(sftp, '/outbox')).map((entry) => entry.filename)).not.toContain('pipe.json');
        expect((await refusal(sftpCall.open(sftp, '/outbox/pipe.json', 'r'))).code).toBe(STATUS.NO_SUCH_FILE);
        // The session still answers afterwards.
        expect(await sftpCall.realpath(sftp, '.')).toBe('/');
      } finally {
        await rm(fifo);
      }
    });

    it('does not ingest through a link in the inbox, nor through an inbox that is a link', async () => {
      await symlink(otherSecret, path.join(inbox(), 'to-other.json'));
      await daemon.app.running.intake.rescan();
      await daemon.idle();
      expect((await daemon.ledger('acme')).find((row) => row.name === 'to-other.json')).toBeUndefined();

      const real = daemon.path('partners', 'acme', 'inbox.real');
      await rename(inbox(), real);
      await symlink(daemon.path('partners', 'other', 'outbox'), inbox());
      try {
        await daemon.app.running.intake.rescan();
        await daemon.idle();
        expect((await daemon.ledger('acme')).find((row) => row.name === 'secret.json')).toBeUndefined();
        expect(await readFile(otherSecret, 'utf8')).toBe('{"secret": true}');
      } finally {
        await rm(inbox());
        await rename(real, inbox());
      }
    });
  });

  describe('beyond SFTP', () => {
    it('offers no shell, no command, no other subsystem and no port forwarding', async () => {
      const client = await connectSsh(daemon.port, { username: 'acme', privateKey: acme.privateKey });
      const attempt = (start: (done: (err: Error | undefined) => void) => void) =>
        new Promise<string>((resolve) => start((err) => resolve(err ? err.message : 'granted')));
      expect(await attempt((done) => client.exec('cat /etc/passwd', (err) => done(err)))).not.toBe('granted');
      expect(await attempt((done) => client.shell((err) => done(err)))).not.toBe('granted');
      expect(await attempt((done) => client.subsys('shell', (err) => done(err)))).not.toBe('granted');
      expect(await attempt((done) => client.forwardOut('127.0.0.1', 0, '127.0.0.1', daemon.port, (err) => done(err)))).not.toBe('granted');
      expect(await attempt((done) => client.forwardIn('127.0.0.1', 0, (err) => done(err)))).not.toBe('granted');
      // The connection is still good for SFTP.
      const sftp = await new Promise<SFTPWrapper>((resolve, reject) => client.sftp((err, channel) => (err ? reject(err) : resolve(channel))));
      expect(await sftpCall.realpath(sftp, '.')).toBe('/');
      client.end();
    });
  });

  describe('requests that would change the tree', () => {
    it('refuses SYMLINK, READLINK, MKDIR and RMDIR', async () => {
      const { sftp } = session;
      expect((await refusal(sftpCall.symlink(sftp, '/etc/passwd', '/inbox/link.json'))).code).toBe(STATUS.PERMISSION_DENIED);
      expect((await refusal(sftpCall.readlink(sftp, `/inbox/${CLIMB}`))).code).toBe(STATUS.PERMISSION_DENIED);
      expect((await refusal(sftpCall.mkdir(sftp, '/inbox/sub'))).code).toBe(STATUS.PERMISSION_DENIED);
      expect((await refusal(sftpCall.rmdir(sftp, '/inbox'))).code).toBe(STATUS.PERMISSION_DENIED);
      expect(await daemon.folder('acme', 'inbox')).not.toContain('link.json');
      expect(await daemon.folder('acme', 'inbox')).not.toContain('sub');
    });

    it('refuses RENAME onto an existing file, out of the tree, or to another folder', async () => {
      const { sftp } = session;
      await sftpCall.writeFile(sftp, `/inbox/${FIRST}`, '1');
      await sftpCall.writeFile(sftp, `/inbox/${SECOND}`, '2');
      const onto = await refusal(sftpCall.rename(sftp, `/inbox/${FIRST}`, `/inbox/${SECOND}`));
      expect(onto.code).toBe(STATUS.FAILURE);
      expect(onto.message).toMatch(/already exists/);
      for (const target of ['/../../tmp/x.json', '/inbox/../../etc/x.json', '/tmp/x.json', '/inbox/sub/x.json']) {
        expect((await refusal(sftpCall.rename(sftp, `/inbox/${FIRST}`, target))).code, target).toBe(STATUS.NO_SUCH_FILE);
      }
      for (const target of ['/outbox/x.json', '/validate/x.json']) {
        expect((await refusal(sftpCall.rename(sftp, `/inbox/${FIRST}`, target))).code, target).toBe(STATUS.PERMISSION_DENIED);
      }
      expect((await refusal(sftpCall.rename(sftp, '/inbox', '/inbox2'))).code).toBe(STATUS.PERMISSION_DENIED);
      expect(await readFile(daemon.path('partners', 'acme', 'inbox', FIRST), 'utf8')).toBe('1');
      expect(await readFile(daemon.path('partners', 'acme', 'inbox', SECOND), 'utf8')).toBe('2');
    });

    it('accepts and ignores times and mode; refuses size and owner', async () => {
      const { sftp } = session;
      await sftpCall.setstat(sftp, `/inbox/${FIRST}`, { mtime: 1_600_000_000, atime: 1_600_000_000, mode: 0o600 });
      for (const attrs of [{ size: 0 }, { uid: 0, gid: 0 }]) {
        expect((await refusal(sftpCall.setstat(sftp, `/inbox/${FIRST}`, attrs))).code).toBe(STATUS.PERMISSION_DENIED);
      }
      const handle = await sftpCall.open(sftp, `/inbox/${THIRD}`, 'w');
      await sftpCall.write(sftp, handle, Buffer.from('333'), 0);
      await sftpCall.fsetstat(sftp, handle, { mtime: 1_600_000_000, atime: 1_600_000_000 });
      expect((await refusal(sftpCall.fsetstat(sftp, handle, { size: 1 }))).code).toBe(STATUS.PERMISSION_DENIED);
      await sftpCall.close(sftp, handle);
      expect(await readFile(daemon.path('partners', 'acme', 'inbox', FIRST), 'utf8')).toBe('1');
      expect(await readFile(daemon.path('partners', 'acme', 'inbox', THIRD), 'utf8')).toBe('333');
    });

    it('keeps /outbox read-only', async () => {
      const { sftp } = session;
      await sftpCall.writeFile(sftp, '/inbox/answer-me.txt', 'x');
      await waitFor(() => daemon.receipt('acme', 'answer-me.txt'));
      const receipt = '/outbox/answer-me.txt.receipt.json';
      expect((await sftpCall.readFile(sftp, receipt)).length).toBeGreaterThan(0);
      expect((await refusal(sftpCall.writeFile(sftp, '/outbox/new.json', 'x'))).code).toBe(STATUS.PERMISSION_DENIED);
      expect((await refusal(sftpCall.open(sftp, receipt, 'r+'))).code).toBe(STATUS.PERMISSION_DENIED);
      expect((await refusal(sftpCall.unlink(sftp, receipt))).code).toBe(STATUS.PERMISSION_DENIED);
      expect((await refusal(sftpCall.rename(sftp, receipt, '/outbox/renamed.json'))).code).toBe(STATUS.PERMISSION_DENIED);
      expect(await daemon.outbox('acme')).toContain('answer-me.txt.receipt.json');
    });
  });
});
