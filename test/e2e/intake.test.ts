import { readFile, writeFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sftpBatch } from '../support/clients.js';
import { TestDaemon, waitFor, type TestPartner, NAMES_JUDGED_BY_PIPELINE } from '../support/daemon.js';

describe('a partner uploads with OpenSSH sftp', () => {
  let daemon: TestDaemon;
  let acme: TestPartner;

  beforeAll(async () => {
    daemon = await TestDaemon.start(NAMES_JUDGED_BY_PIPELINE);
    acme = await daemon.addPartner({ id: 'acme', clientId: '12', channels: ['direct-mail'] });
  });
  afterAll(() => daemon.destroy());

  it('refuses a name that fits no rule, with a receipt naming the accepted patterns', async () => {
    const local = daemon.path('report.txt');
    await writeFile(local, 'hello\n');
    const result = await sftpBatch(daemon.port, acme, ['cd /inbox', `put ${local}`]);
    expect(result.code).toBe(0);
    const receipt = await waitFor(() => daemon.receipt('acme', 'report.txt'));
    expect(receipt.state).toBe('rejected');
    expect(receipt.reason).toMatchObject({ code: 'name_unrecognised' });
    expect(receipt.accepted_names).toContain('YYYYMMDD_NNNN_12_pos_<any>.json [crowdtwist-pos]');
    // The receipt is written first, then the original moves to the archive, under its ledger id.
    const row = (await daemon.ledger('acme')).find((file) => file.name === 'report.txt');
    const day = (receipt.timings as { received_at: string }).received_at.slice(0, 10);
    expect(row?.archivePath).toBe(`archive/acme/${day}/${row?.id}-report.txt`);
    expect(await waitFor(() => readFile(daemon.path(row?.archivePath ?? ''), 'utf8'))).toBe('hello\n');
  });
});
