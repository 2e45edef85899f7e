/**
 * The ledger through the running daemon: names refused with a receipt, the same bytes sent again,
 * a partner withdrawing a pending file, a /validate dry run.
 */
import { createHash } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectSftp, sftpCall, type Ssh2Session } from '../support/clients.js';
import { TestDaemon, waitFor, type TestPartner, NAMES_JUDGED_BY_PIPELINE } from '../support/daemon.js';

/** Counters from 0101 with no 0001 for that day: each file is `held`, pending in the inbox. */
const posName = (counter: number) => `20240105_${String(100 + counter).padStart(4, '0')}_acme_pos_ledger.json`;

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

describe('the file ledger', () => {
  let daemon: TestDaemon;
  let acme: TestPartner;
  let session: Ssh2Session;

  beforeAll(async () => {
    daemon = await TestDaemon.start(NAMES_JUDGED_BY_PIPELINE);
    acme = await daemon.addPartner({ id: 'acme', channels: ['shop'] });
    session = await connectSftp(daemon.port, acme);
  });
  afterAll(async () => {
    session.end();
    await daemon.destroy();
  });

  const rowsNamed = async (name: string) => (await daemon.ledger('acme')).filter((row) => row.name === name);

  it.each([
    ['readme.txt', 'name_unrecognised'],
    ['20240231_0001_acme_pos_x.json', 'name_date_invalid'],
    ['29990101_0001_acme_pos_x.json', 'name_date_future'],
    ['20240105_0001_someone-else_pos_x.json', 'name_client_mismatch'],
    ['web_05-01-2024_1.xlsx', 'name_unrecognised'],
  ])('refuses %s (%s) with a receipt naming the rule and the accepted names', async (name, code) => {
    await sftpCall.writeFile(session.sftp, `/inbox/${name}`, 'content');
    const receipt = await waitFor(async () => {
      const found = await daemon.receipt('acme', name);
      return found.state === 'rejected' && found;
    });
    expect(receipt).toMatchObject({ file: name, partner: 'acme', state: 'rejected', sha256: sha256('content'), size: 7 });
    expect(receipt.reason).toMatchObject({ code });
    expect((receipt.reason as { message: string }).message.length).toBeGreaterThan(10);
    expect(receipt.accepted_names).toEqual(
      expect.arrayContaining(['YYYYMMDD_NNNN_acme_pos_<any>.json [crowdtwist-pos]', expect.stringContaining('(channel: shop)')]),
    );
    // The log line follows the receipt.
    const logged = await waitFor(() => daemon.events('file.rejected').find((line) => line.file === name));
    expect(logged).toMatchObject({ partner: 'acme', reason_code: code });
    // The original leaves the inbox for the archive.
    await waitFor(async () => !(await daemon.folder('acme', 'inbox')).includes(name));
  });

  it('recognises the same name and bytes sent again, and records new bytes under the same name', async () => {
    await sftpCall.writeFile(session.sftp, '/inbox/again.txt', 'same bytes');
    await waitFor(async () => (await daemon.receipt('acme', 'again.txt')).state === 'rejected');
    await waitFor(async () => !(await daemon.folder('acme', 'inbox')).includes('again.txt'));
    const receivedBefore = daemon.events('file.received').length;

    await sftpCall.writeFile(session.sftp, '/inbox/again.txt', 'same bytes');
    await waitFor(async () => !(await daemon.folder('acme', 'inbox')).includes('again.txt'));
    await daemon.idle();
    expect(await rowsNamed('again.txt')).toHaveLength(1);
    expect(daemon.events('file.received').length).toBe(receivedBefore);
    // The second copy is not kept beside the first in the archive.
    const day = (await rowsNamed('again.txt'))[0]?.receivedAt.slice(0, 10) as string;
    expect((await readdir(daemon.path('archive', 'acme', day))).filter((name) => name.endsWith('again.txt'))).toEqual([
      `${(await rowsNamed('again.txt'))[0]?.id}-again.txt`,
    ]);

    await sftpCall.writeFile(session.sftp, '/inbox/again.txt', 'other bytes');
    await waitFor(async () => (await rowsNamed('again.txt')).length === 2);
    expect((await rowsNamed('again.txt')).map((row) => row.sha256)).toEqual([sha256('same bytes'), sha256('other bytes')]);
  });

  it('answers a partner removing a pending file with a withdrawn receipt', async () => {
    const name = posName(1);
    await sftpCall.writeFile(session.sftp, `/inbox/${name}`, '{"pos_data": []}');
    await waitFor(async () => (await rowsNamed(name))[0]?.state === 'held');
    await sftpCall.unlink(session.sftp, `/inbox/${name}`);
    const receipt = await waitFor(async () => {
      const found = await daemon.receipt('acme', name);
      return found.state === 'rejected' && found;
    });
    expect(receipt.reason).toMatchObject({ code: 'withdrawn' });
    expect((await rowsNamed(name)).map((row) => [row.state, row.reasonCode])).toEqual([['rejected', 'withdrawn']]);
  });

  it('withdraws the old file when a pending name is removed and sent again with new bytes', async () => {
    const name = posName(2);
    await sftpCall.writeFile(session.sftp, `/inbox/${name}`, '{"pos_data": ["first"]}');
    await waitFor(async () => (await rowsNamed(name))[0]?.state === 'held');
    // Removed and sent again at once, as a client correcting a file does.
    await Promise.all([
      sftpCall.unlink(session.sftp, `/inbox/${name}`),
      sftpCall.writeFile(session.sftp, `/inbox/${name}`, '{"pos_data": ["second"]}'),
    ]);
    await waitFor(async () => (await rowsNamed(name)).length === 2);
    await daemon.idle();
    expect((await rowsNamed(name)).map((row) => [row.sha256, row.state, row.reasonCode])).toEqual([
      [sha256('{"pos_data": ["first"]}'), 'rejected', 'withdrawn'],
      [sha256('{"pos_data": ["second"]}'), 'held', null],
    ]);
  });

  it('checks a file dropped into /validate without recording it', async () => {
    const name = posName(3);
    await sftpCall.writeFile(session.sftp, `/validate/${name}`, '{"pos_data": []}');
    const receipt = await waitFor(() => daemon.receipt('acme', `${name}.dry-run`));
    expect(receipt).toMatchObject({ file: name, dry_run: true, format: 'crowdtwist-pos' });
    expect(await rowsNamed(name)).toEqual([]);
    await waitFor(async () => (await daemon.folder('acme', 'validate')).length === 0);
  });
});
