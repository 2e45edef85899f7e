/**
 * What an operator meets first with the CLI: ids that must belong to the partner named, `status`
 * that a script can trust, one version everywhere, output piped into `head`, errors past what is
 * stored. Against the running daemon, the CLI in-process or as its own process (for pipes).
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configFile, lines, posdrop } from '../support/cli.js';
import { run } from '../support/clients.js';
import { TestDaemon, type TestPartner } from '../support/daemon.js';
import { drop } from '../support/drop.js';
import { posName } from '../support/names.js';
import { batch, purchase } from '../support/pos-batches.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const BIN = path.join(ROOT, 'bin/posdrop.js');
const PACKAGE_VERSION = (JSON.parse(await readFile(path.join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
/** More bad lines than posdrop stores errors of. */
const BAD_LINES = 12_000;

describe('posdrop CLI for operators', () => {
  let daemon: TestDaemon;
  let acme: TestPartner;
  let beta: TestPartner;
  let acmeFile: number;
  let bigFile: number;
  const bigName = 'purchasehistory_L7_many.csv';

  beforeAll(async () => {
    daemon = await TestDaemon.start();
    acme = await daemon.addPartner({ id: 'acme', clientId: '12' });
    beta = await daemon.addPartner({ id: 'beta', clientId: '13' });
    expect((await drop(daemon, acme, posName(1), batch(purchase('r1')))).state).toBe('processed');
    expect((await drop(daemon, beta, posName(1, '13'), batch(purchase('r1')))).state).toBe('processed');
    acmeFile = (await daemon.ledger('acme')).find((row) => row.name === posName(1))?.id ?? 0;
    const bad = Array.from({ length: BAD_LINES }, (_, i) => `C-${i};SKU-1;not-an-amount`).join('\n');
    expect((await drop(daemon, acme, bigName, `C-0;SKU-1;1.00\n${bad}\n`)).state).toBe('processed');
    bigFile = (await daemon.ledger('acme')).find((row) => row.name === bigName)?.id ?? 0;
  });
  afterAll(() => daemon.destroy());

  it.each([['show'], ['errors'], ['reprocess', '--no-wait']])(
    '%s refuses a file id of one partner with --partner of another, and touches nothing',
    async (command, ...more) => {
      const before = (await daemon.fileEvents(acmeFile)).length;
      const result = await posdrop(daemon, [command, String(acmeFile), '--partner', 'beta', ...more]);
      expect(result.code).toBe(2);
      expect(result.stdout).toBe('');
      expect(lines(result.stderr)).toEqual([
        `posdrop ${command}: file ${acmeFile} is acme's, not beta's: give the id alone, or the file's name with --partner`,
      ]);
      expect(await daemon.fileEvents(acmeFile)).toHaveLength(before);
      expect((await daemon.store.ledger.get(acmeFile))?.state).toBe('processed');
      // The id with its own partner is fine.
      expect((await posdrop(daemon, ['show', String(acmeFile), '--partner', 'acme'])).code).toBe(0);
    },
  );

  it('--version prints the package version, and status shows it with the host key partners should see', async () => {
    for (const flag of ['--version', '-V']) {
      const version = await posdrop(daemon, [flag]);
      expect([version.code, version.stdout]).toEqual([0, `posdrop ${PACKAGE_VERSION}\n`]);
    }
    const keygen = await run('ssh-keygen', ['-lf', daemon.path('keys', 'ssh_host_ed25519_key.pub')]);
    const fingerprint = keygen.stdout.split(' ')[1];
    expect(fingerprint).toMatch(/^SHA256:/);
    const status = await posdrop(daemon, ['status']);
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(new RegExp(`daemon: +running \\(pid ${process.pid}, version ${PACKAGE_VERSION.replace(/\./g, '\\.')}, since `));
    expect(status.stdout).toMatch(new RegExp(`^host key: +${fingerprint?.replace(/[+/]/g, '\\$&')}$`, 'm'));
    expect(JSON.parse((await posdrop(daemon, ['status', '--json'])).stdout)).toMatchObject({
      running: true,
      version: PACKAGE_VERSION,
      daemon_version: PACKAGE_VERSION,
      host_key: fingerprint,
    });
    expect(daemon.events('daemon.ready').at(-1)).toMatchObject({ version: PACKAGE_VERSION, host_key: fingerprint });
  });

  it('errors says where the errors past the stored ones are, and the error log has them all', async () => {
    const result = await posdrop(daemon, ['errors', String(bigFile), '--limit', '10000']);
    expect(result.code).toBe(0);
    const out = lines(result.stdout);
    expect(out[0]).toBe(`${bigName} (acme, id ${bigFile}): processed — ${BAD_LINES + 1} records: 1 accepted, ${BAD_LINES} failed, 0 duplicates`);
    expect(out.at(-1)).toBe(
      `… and ${BAD_LINES - 10_000} more errors, counted but not stored: posdrop keeps the first 10000 of a file; ${bigName}.errors.csv in acme's outbox lists every error (until retention deletes it)`,
    );
    const json = JSON.parse((await posdrop(daemon, ['errors', String(bigFile), '--limit', '20000', '--json'])).stdout) as { errors: unknown[]; stored: number; not_stored: number };
    expect([json.errors.length, json.stored, json.not_stored]).toEqual([10_000, 10_000, BAD_LINES - 10_000]);
    const log = await readFile(daemon.path('partners', 'acme', 'outbox', `${bigName}.errors.csv`), 'utf8');
    expect(lines(log)).toHaveLength(BAD_LINES + 1); // the header, then every bad line
    expect((await posdrop(daemon, ['errors', '--help'])).stdout).toContain('posdrop keeps the first 10,000 errors of a file');
  });

  it.each([
    ['errors', () => [String(bigFile), '--limit', '10000']],
    ['files', () => ['--limit', '1000']],
    ['show', () => [String(bigFile)]],
    ['--help', () => []],
  ])('%s piped into head ends quietly', async (command, args) => {
    const config = await configFile(daemon);
    const quoted = [process.execPath, BIN, command, ...args(), '--config', config].map((word) => `'${word}'`).join(' ');
    // head leaves after one line; whatever posdrop writes next meets a closed pipe.
    const result = await run('bash', ['-c', `${quoted} | head -c 1 >/dev/null; echo "status \${PIPESTATUS[0]}" >&2`]);
    expect(result.stderr).toBe('status 0\n');
  });
});

describe('posdrop status with the daemon stopped', () => {
  it('says so and exits 3, for people and for scripts', async () => {
    const daemon = await TestDaemon.start();
    try {
      await daemon.stop();
      const status = await posdrop(daemon, ['status']);
      expect(status.code).toBe(3);
      expect(status.stdout).toMatch(/^daemon: +not running$/m);
      const json = await posdrop(daemon, ['status', '--json']);
      expect(json.code).toBe(3);
      expect(JSON.parse(json.stdout)).toMatchObject({ running: false, daemon_version: null, version: PACKAGE_VERSION });
    } finally {
      await daemon.destroy();
    }
  });
});
