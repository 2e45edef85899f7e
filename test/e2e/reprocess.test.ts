import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUILT_IN_FORMATS } from '../../src/formats/registry.js';
import { run, sftpBatch, type BatchResult } from '../support/clients.js';
import { TestDaemon, waitFor, type TestPartner, NAMES_JUDGED_BY_PIPELINE } from '../support/daemon.js';
import { lineFormats } from '../support/line-format.mjs';
import { posName } from '../support/names.js';

const BIN = path.resolve(import.meta.dirname, '../../bin/posdrop.js');


describe('posdrop reprocess, while the daemon runs', () => {
  let daemon: TestDaemon;
  let acme: TestPartner;
  const cli = (...args: string[]): Promise<BatchResult> =>
    run(process.execPath, [BIN, ...args], { env: daemon.cliEnv() });

  async function upload(name: string, content: string, state = 'processed'): Promise<void> {
    const local = daemon.path(name);
    await writeFile(local, content);
    expect((await sftpBatch(daemon.port, acme, ['cd /inbox', `put ${local}`])).code).toBe(0);
    await waitFor(async () => (await daemon.receipt('acme', name)).state === state);
    await daemon.idle();
  }

  function rowsNamed(name: string) {
    return daemon.store.ledger.list({ name });
  }

  beforeAll(async () => {
    daemon = await TestDaemon.start(NAMES_JUDGED_BY_PIPELINE, { formats: lineFormats(BUILT_IN_FORMATS) });
    acme = await daemon.addPartner({ id: 'acme', clientId: '12' });
  });
  afterAll(() => daemon.destroy());

  it("processes the archived original again: the file's own stored records are accepted again, one ledger row", async () => {
    await upload(posName(1), 'a\nb\nbad c\n');
    const errors = await cli('errors', posName(1));
    expect(errors.code).toBe(0);
    expect(errors.stdout.split('\n').slice(0, 3)).toEqual([
      `${posName(1)} (acme, id 1): processed — 3 records: 2 accepted, 1 failed, 0 duplicates`,
      'AT  KEY  FIELD  CODE          VALUE  MESSAGE',
      '3   -    -      invalid_line  bad c  the line starts with "bad"',
    ]);
    const result = await cli('reprocess', posName(1));
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('processed — total 3, accepted 2, failed 1, duplicates 0');

    const [row, ...others] = await rowsNamed(posName(1));
    expect(others).toEqual([]);
    expect(row?.counts).toEqual({ total: 3, accepted: 2, failed: 1, duplicates: 0 });
    const history = (await daemon.fileEvents(row?.id ?? 0)).map((event) => event.state);
    expect(history).toEqual(['received', 'queued', 'processing', 'processed', 'queued', 'processing', 'processed']);
    expect(await readdir(daemon.path('partners', 'acme', 'inbox'))).toEqual([]);
    const archived = path.join(daemon.dataDir, row?.archivePath ?? '');
    expect(await readFile(archived, 'utf8')).toBe('a\nb\nbad c\n');
    expect(await daemon.receipt('acme', posName(1))).toMatchObject({ state: 'processed', counts: { total: 3, accepted: 2, failed: 1, duplicates: 0 } });
    expect(await daemon.rows("SELECT count(*) AS n FROM test_records WHERE partner = 'acme'")).toEqual([{ n: 2 }]);
  });

  it('asks for --force before storing the records of an append-only format twice', async () => {
    const name = 'purchasehistory_L1_batch.csv';
    await upload(name, 'o1;sku;1.00\no2;sku;2.00\n');
    const refused = await cli('reprocess', name);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^posdrop reprocess: carma-purchase-history appends every record .* add --force/);
    expect(refused.stderr.trim().split('\n')).toHaveLength(1);

    const forced = await cli('reprocess', name, '--force', '--json');
    expect(forced.code).toBe(0);
    expect(JSON.parse(forced.stdout)).toMatchObject({ state: 'processed', counts: { accepted: 2, duplicates: 0 } });
    expect(await daemon.rows("SELECT count(*) AS n FROM test_appended WHERE line = 'o1;sku;1.00'")).toEqual([{ n: 2 }]);
  });

  it('refuses a file still refused by its name, an unknown file, and misuse, with one line each', async () => {
    await upload('report.txt', 'hello\n', 'rejected');
    const byName = await cli('reprocess', 'report.txt');
    expect([byName.code, byName.stderr]).toEqual([1, expect.stringMatching(/still refused by its name/)]);
    const unknown = await cli('reprocess', 'nothing.json');
    expect([unknown.code, unknown.stderr]).toEqual([2, 'posdrop reprocess: no file "nothing.json"\n']);
    const misuse = await cli('reprocess');
    expect(misuse.code).toBe(2);
    expect(misuse.stderr.split('\n')[0]).toBe('posdrop reprocess: reprocess needs a file id or name (see posdrop reprocess --help)');
  });

  it('draws a progress bar on a terminal for a big file', async () => {
    const name = posName(2);
    const lines = Array.from({ length: 450_000 }, (_, i) => `line-${String(i).padStart(7, '0')}`).join('\n');
    await upload(name, `${lines}\n`);
    // `script` gives the command a real pseudo-terminal.
    const command = `${process.execPath} ${BIN} reprocess ${name}`;
    const result = await run('script', ['-qec', command, '/dev/null'], { env: daemon.cliEnv(), timeoutMs: 120_000 });
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/copying +\[[#.]{30}\] +\d+%  [\d.]+\/5\.\d MB/);
    expect(result.stdout).toContain('processed — total 450000, accepted 450000, failed 0, duplicates 0');
  });

  it('queues the file when the daemon is not running, and the next start processes it', async () => {
    await upload(posName(3), 'x\ny\n');
    await daemon.stop();
    const queued = await cli('reprocess', posName(3));
    expect(queued.code).toBe(0);
    expect(queued.stdout).toContain('queued; the daemon is not running');
    await daemon.restart();
    await waitFor(async () => (await rowsNamed(posName(3)))[0]?.state === 'processed');
    expect((await rowsNamed(posName(3)))[0]?.counts).toEqual({ total: 2, accepted: 2, failed: 0, duplicates: 0 });
  });
});
