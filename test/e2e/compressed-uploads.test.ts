/**
 * Compressed uploads as partners send them: made by `gzip` and `zip`, uploaded with OpenSSH sftp.
 * The compressed file gets a receipt of its own; each file inside takes the one way every file
 * takes, under its own name. Bombs, paths and broken archives are refused with their reason, and
 * nothing of them reaches the inbox.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestDaemon, waitFor, type TestPartner } from '../support/daemon.js';
import { drop } from '../support/drop.js';

const HAVE_ZIP = existsSync('/usr/bin/zip');
if (!HAVE_ZIP) console.warn('compressed-uploads: /usr/bin/zip is missing (apt-get install zip), so the zip cases made by zip are skipped');

describe('compressed uploads', () => {
  let daemon: TestDaemon;
  let shop: TestPartner;
  let small: TestPartner;
  let work: string;

  const count = async (sql: string, ...params: unknown[]) => Number(await daemon.value(sql, ...params));
  /** Bytes made by a real tool from files written under `work`. */
  const made = async (command: string, args: string[], files: Record<string, string | Buffer>, output: string): Promise<Buffer> => {
    const dir = await mkdtemp(path.join(work, 'in-'));
    for (const [name, content] of Object.entries(files)) await writeFile(path.join(dir, name), content);
    execFileSync(command, args, { cwd: dir });
    return readFile(path.join(dir, output));
  };
  /** A zip whose member names are written as given (zip itself would not write `../x`). */
  const zipWithNames = async (members: Record<string, string>): Promise<Buffer> => {
    const out = path.join(await mkdtemp(path.join(work, 'py-')), 'out.zip');
    const script = `import sys, zipfile, json\nz = zipfile.ZipFile(sys.argv[1], 'w', zipfile.ZIP_DEFLATED)\nfor name, text in json.loads(sys.argv[2]).items(): z.writestr(name, text)\nz.close()`;
    execFileSync('python3', ['-c', script, out, JSON.stringify(members)]);
    return readFile(out);
  };

  beforeAll(async () => {
    work = await mkdtemp(path.join(tmpdir(), 'posdrop-compressed-'));
    daemon = await TestDaemon.start({
      intake: { unpack_max_ratio: 100, unpack_max_members: 5 },
      clienttoolbox: { shop: { create_new_customers: true, campaigns: [{ id: 'P1', type: 'points' }] } },
    });
    shop = await daemon.addPartner({ id: 'shop', formats: ['carma-purchase-history', 'clienttoolbox-transactions'] });
    small = await daemon.addPartner({ id: 'small', formats: ['carma-purchase-history'], maxUploadBytes: 64 * 1024 });
  });
  afterAll(() => daemon.destroy());

  it('takes the file inside a gzip file under its own name, and answers both', async () => {
    const inner = 'purchasehistory_G1_day.csv';
    const gz = await made('gzip', ['-k', inner], { [inner]: 'o-1;S;1.00\no-2;S;x\no-3;T;2.50\n' }, `${inner}.gz`);
    const outer = await drop(daemon, shop, `${inner}.gz`, gz);
    expect(outer).toMatchObject({ state: 'processed', format: null, counts: { total: 1, accepted: 1, failed: 0, duplicates: 0 } });
    const member = await waitFor(async () => {
      const receipt = await daemon.receipt('shop', inner);
      return receipt.state === 'processed' && receipt;
    }, 10_000);
    expect(member).toMatchObject({ format: 'carma-purchase-history', counts: { total: 3, accepted: 2, failed: 1 } });
    expect(await count('SELECT count(*) FROM carma_purchases WHERE list_id = ?', 'G1')).toBe(2);
    expect(await daemon.folder('shop', 'inbox')).toEqual([]);

    // the same compressed bytes again: the same file, nothing stored twice
    const again = await drop(daemon, shop, `${inner}.gz`, gz);
    expect(again.state).toBe('processed');
    await daemon.idle();
    expect(await count('SELECT count(*) FROM carma_purchases WHERE list_id = ?', 'G1')).toBe(2);
  });

  it.skipIf(!HAVE_ZIP)('takes every file of a zip archive made by zip', async () => {
    const zip = await made(
      'zip',
      ['-q', 'batch.zip', 'purchasehistory_Z1_a.csv', 'transactions_20261101_z.psv'],
      { 'purchasehistory_Z1_a.csv': 'o-1;S;1.00\n', 'transactions_20261101_z.psv': 'campaign_id|code|redeemed|amount\nP1|c9|N|10\n' },
      'batch.zip',
    );
    const outer = await drop(daemon, shop, 'batch.zip', zip);
    expect(outer).toMatchObject({ state: 'processed', counts: { total: 2, accepted: 2 } });
    for (const name of ['purchasehistory_Z1_a.csv', 'transactions_20261101_z.psv']) {
      await waitFor(async () => (await daemon.receipt('shop', name)).state === 'processed', 10_000);
    }
    expect(await count('SELECT count(*) FROM toolbox_entries WHERE partner_id = ? AND code = ?', 'shop', 'c9')).toBe(1);
  });

  it('refuses an archive member with a path, extracting nothing of it', async () => {
    for (const [index, bad] of ['../escape.csv', '/etc/cron.d/x.csv', 'sub/purchasehistory_P1_a.csv', 'dir\\purchasehistory_P1_b.csv'].entries()) {
      const zip = await zipWithNames({ 'purchasehistory_P1_ok.csv': 'o-1;S;1.00\n', [bad]: 'o-2;S;1.00\n' });
      const receipt = await drop(daemon, shop, `paths-${index}.zip`, zip);
      expect(receipt, bad).toMatchObject({ state: 'rejected', reason: { code: 'archive_member_path' } });
      // a backslash is a folder separator to Windows' zip tools, and yauzl reads it as one
      expect((receipt.reason as { message: string }).message).toContain(bad.replaceAll('\\', '/'));
    }
    await daemon.idle();
    expect(await daemon.folder('shop', 'inbox')).toEqual([]);
    expect(await count('SELECT count(*) FROM carma_purchases WHERE list_id = ?', 'P1')).toBe(0);
    expect(existsSync(path.join(daemon.dataDir, 'escape.csv')) || existsSync(path.join(daemon.dataDir, 'partners', 'shop', 'escape.csv'))).toBe(false);
  });

  it('refuses a gzip bomb, a member past the upload limit, too many members and bytes that are not gzip', async () => {
    const bomb = await made('gzip', ['-k', 'purchasehistory_B1_a.csv'], { 'purchasehistory_B1_a.csv': Buffer.alloc(20 * 1024 * 1024, 0x41) }, 'purchasehistory_B1_a.csv.gz');
    expect(bomb.length).toBeLessThan(100_000);
    expect(await drop(daemon, shop, 'purchasehistory_B1_a.csv.gz', bomb)).toMatchObject({ state: 'rejected', reason: { code: 'compression_ratio' } });

    const lines = Array.from({ length: 4000 }, (_, i) => `o-${i};SKU-${(i * 7919) % 1000};${i}.50`).join('\n');
    const large = await made('gzip', ['-k', 'purchasehistory_B2_a.csv'], { 'purchasehistory_B2_a.csv': lines }, 'purchasehistory_B2_a.csv.gz');
    const refused = await drop(daemon, small, 'purchasehistory_B2_a.csv.gz', large);
    expect(refused).toMatchObject({ state: 'rejected', reason: { code: 'inflated_too_large' } });
    expect((refused.reason as { message: string }).message).toContain(`${64 * 1024} bytes`);

    const many = await zipWithNames(Object.fromEntries(Array.from({ length: 6 }, (_, i) => [`purchasehistory_M1_${i}.csv`, 'o;S;1.00\n'])));
    expect(await drop(daemon, shop, 'many.zip', many)).toMatchObject({ state: 'rejected', reason: { code: 'too_many_members' } });

    const plain = await drop(daemon, shop, 'purchasehistory_B3_a.csv.gz', 'o-1;S;1.00\n');
    expect(plain).toMatchObject({ state: 'rejected', reason: { code: 'not_compressed' } });
    expect((plain.reason as { message: string }).message).toMatch(/not readable gzip: incorrect header check/);
    const broken = await drop(daemon, shop, 'broken.zip', Buffer.from('PK\x03\x04 not really a zip'));
    expect(broken).toMatchObject({ state: 'rejected', reason: { code: 'not_compressed' } });

    await daemon.idle();
    expect(await daemon.folder('shop', 'inbox')).toEqual([]);
    expect(await daemon.folder('small', 'inbox')).toEqual([]);
    expect(await count("SELECT count(*) FROM carma_purchases WHERE list_id IN ('B1', 'B2', 'B3', 'M1')")).toBe(0);
  });
});
