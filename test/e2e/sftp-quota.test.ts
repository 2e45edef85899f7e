/**
 * What a partner may park in the spool (unfinished uploads, files under temporary names), and
 * the disk's floor below which every upload is refused. OpenSSH's sftp does the uploads; ssh2's
 * client reads the refusal's message, which OpenSSH does not print.
 */
import { writeFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OPEN_MODE, connectSftp, refusal, sftpBatch, sftpCall, STATUS } from '../support/clients.js';
import { TestDaemon, type TestPartner, NAMES_JUDGED_BY_PIPELINE } from '../support/daemon.js';
import { sample, scrape, type Samples } from '../support/prometheus.js';

const KB = 1024;

describe('the spool quota of a partner', () => {
  let daemon: TestDaemon;
  let acme: TestPartner;

  beforeAll(async () => {
    daemon = await TestDaemon.start({ ...NAMES_JUDGED_BY_PIPELINE, sftp: { spool_quota_files: 3, spool_quota_bytes: 100 * KB } });
    acme = await daemon.addPartner({ id: 'acme' });
  });
  afterAll(() => daemon.destroy());

  const metrics = (): Promise<Samples> => scrape(`http://127.0.0.1:${daemon.httpPort}/metrics`);
  const refused = (samples: Samples, reason: string) => sample(samples, 'posdrop_upload_refusals_total', { reason });

  async function local(name: string, bytes: number): Promise<string> {
    const file = daemon.path(name);
    await writeFile(file, Buffer.alloc(bytes, 'x'));
    return file;
  }

  it('refuses a fourth parked file, and takes uploads again once one is removed', async () => {
    const small = await local('small.bin', 10 * KB);
    const parked = await sftpBatch(daemon.port, acme, ['a.tmp', 'b.filepart', 'c.tmp'].map((name) => `put ${small} /inbox/${name}`));
    expect(parked.code, parked.stderr).toBe(0);
    expect(await daemon.spool('acme')).toHaveLength(3);

    const fourth = await sftpBatch(daemon.port, acme, [`put ${small} /inbox/d.tmp`]);
    expect(fourth.code).not.toBe(0);
    expect(fourth.stderr).toMatch(/d\.tmp/);
    const session = await connectSftp(daemon.port, acme);
    const answer = await refusal(sftpCall.open(session.sftp, '/inbox/20261124_0001_acme_pos_x.json', OPEN_MODE.WRITE | OPEN_MODE.CREAT | OPEN_MODE.TRUNC));
    expect(answer).toEqual({ code: STATUS.FAILURE, message: expect.stringMatching(/^3 unfinished uploads and files under temporary names are waiting, the most allowed \(3\)/) });
    session.end();
    expect(await daemon.spool('acme')).toHaveLength(3);
    const samples = await metrics();
    expect(refused(samples, 'spool_files')).toBe(2);
    expect([sample(samples, 'posdrop_spool_files', { partner: 'acme' }), sample(samples, 'posdrop_spool_bytes', { partner: 'acme' })]).toEqual([3, 30 * KB]);

    // A resume of a parked file is no new file: it may go on.
    const resumed = await sftpBatch(daemon.port, acme, [`reput ${await local('small-and-more.bin', 12 * KB)} /inbox/a.tmp`]);
    expect(resumed.code, resumed.stderr).toBe(0);
    const cleared = await sftpBatch(daemon.port, acme, ['rm /inbox/a.tmp', `put ${small} /inbox/d.tmp`]);
    expect(cleared.code, cleared.stderr).toBe(0);
  });

  it('refuses the WRITE that would pass the bytes, keeping the partial for a resume', async () => {
    // 20 KB parked in two files once one is removed; 90 KB more would make 110 KB.
    const large = await local('large.bin', 90 * KB);
    const put = await sftpBatch(daemon.port, acme, ['rm /inbox/b.filepart', `put ${large} /inbox/large.tmp`]);
    expect(put.code).not.toBe(0);
    const session = await connectSftp(daemon.port, acme);
    const handle = await sftpCall.open(session.sftp, '/inbox/large.tmp', OPEN_MODE.WRITE | OPEN_MODE.APPEND);
    const { size } = await sftpCall.fstat(session.sftp, handle);
    expect(size).toBeLessThanOrEqual(80 * KB);
    const answer = await refusal(sftpCall.write(session.sftp, handle, Buffer.alloc(90 * KB), size ?? 0));
    expect(answer).toEqual({ code: STATUS.FAILURE, message: expect.stringMatching(/would take more than 100 KiB \(102,400 bytes\); finish, rename or remove some first/) });
    session.end();
    expect(await daemon.spool('acme')).toContain('large.tmp.part');
    expect(refused(await metrics(), 'spool_bytes')).toBeGreaterThanOrEqual(2);
    // Room made: the same file goes up whole.
    const again = await sftpBatch(daemon.port, acme, ['rm /inbox/c.tmp', 'rm /inbox/d.tmp', `put ${large} /inbox/large.tmp`]);
    expect(again.code, again.stderr).toBe(0);
  });
});

describe("the disk's floor", () => {
  let daemon: TestDaemon;
  let acme: TestPartner;

  beforeAll(async () => {
    // A floor above any disk's free space: every upload meets it.
    daemon = await TestDaemon.start({ ...NAMES_JUDGED_BY_PIPELINE, sftp: { min_free_disk_bytes: 2 ** 52 } });
    acme = await daemon.addPartner({ id: 'acme' });
  });
  afterAll(() => daemon.destroy());

  it('refuses uploads below it, with a message that says so; downloads still work', async () => {
    const file = daemon.path('x.json');
    await writeFile(file, '{}');
    const put = await sftpBatch(daemon.port, acme, [`put ${file} /inbox/x.json`]);
    expect(put.code).not.toBe(0);
    const session = await connectSftp(daemon.port, acme);
    const answer = await refusal(sftpCall.open(session.sftp, '/inbox/x.json', OPEN_MODE.WRITE | OPEN_MODE.CREAT | OPEN_MODE.TRUNC));
    expect(answer).toEqual({ code: STATUS.FAILURE, message: expect.stringMatching(/disk is nearly full/) });
    expect(await sftpCall.readdir(session.sftp, '/outbox')).toEqual([]);
    session.end();
    expect(await daemon.folder('acme', 'inbox')).toEqual([]);
    const metrics = await scrape(`http://127.0.0.1:${daemon.httpPort}/metrics`);
    expect(sample(metrics, 'posdrop_upload_refusals_total', { reason: 'disk_floor' })).toBe(2);
    expect(sample(metrics, 'posdrop_disk_free_bytes')).toBeGreaterThan(0);
  });
});
