/**
 * `scripts/install.sh` as an operator runs it, with every system path under a temporary root
 * (POSDROP_INSTALL_ROOT) and an existing user as the service user: it refuses a prefix that is
 * neither empty nor an earlier install and deletes nothing it did not create, backs the database
 * up before an upgrade replaces the code, and stops when `npm prune` fails.
 */
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/store/database.js';
import { run, type BatchResult } from '../support/clients.js';

const SCRIPT = path.resolve(import.meta.dirname, '../../scripts/install.sh');
const asRoot = process.getuid?.() === 0;

describe('scripts/install.sh', () => {
  let scratch: string;
  let root: string;
  let prefix: string;
  const install = (args: string[], env: NodeJS.ProcessEnv = {}): Promise<BatchResult> =>
    run(SCRIPT, [...args, '--no-start'], { env: { ...process.env, POSDROP_INSTALL_ROOT: root, POSDROP_INSTALL_USER: userInfo().username, ...env }, timeoutMs: 120_000 });
  const besidePrefix = async () => (await readdir(path.dirname(prefix))).sort();

  beforeAll(async () => {
    scratch = await mkdtemp(path.join(tmpdir(), 'posdrop-install-'));
    root = path.join(scratch, 'root');
    prefix = path.join(scratch, 'opt', 'posdrop');
    await mkdir(root);
  });
  afterAll(() => rm(scratch, { recursive: true, force: true }));

  it('refuses a prefix that holds anything but an earlier install, and touches nothing', async () => {
    const busy = path.join(scratch, 'usr-local');
    await mkdir(path.join(busy, 'bin'), { recursive: true });
    await writeFile(path.join(busy, 'bin', 'tool'), 'mine');
    const refused = await install(['--prefix', busy]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toBe(`install.sh: ${busy} is not empty and not a posdrop install (no .posdrop-install in it): nothing was changed; choose an empty or new --prefix\n`);
    expect(await readdir(busy)).toEqual(['bin']);
    expect(await readFile(path.join(busy, 'bin', 'tool'), 'utf8')).toBe('mine');
    expect((await readdir(scratch)).sort()).toEqual(['root', 'usr-local']);
    expect(await readdir(root)).toEqual([]);

    const file = path.join(scratch, 'a-file');
    await writeFile(file, 'x');
    expect((await install(['--prefix', file])).stderr).toMatch(/a-file is not a folder/);
    expect((await install(['--prefix', 'relative/path'])).stderr).toMatch(/--prefix must be an absolute path/);
    await rm(file);
  });

  it.skipIf(!asRoot)('installs into an empty prefix and marks it as posdrop’s', async () => {
    await mkdir(prefix, { recursive: true });
    const first = await install(['--prefix', prefix]);
    expect(first.code, first.stderr).toBe(0);
    expect(await readFile(path.join(prefix, '.posdrop-install'), 'utf8')).toMatch(/^posdrop \d+\.\d+\.\d+ installed \S+ from /);
    expect(await besidePrefix()).toEqual(['posdrop']);
  });

  it.skipIf(!asRoot)('backs the database up before an upgrade replaces the code, and leaves only the new install', async () => {
    const database = path.join(root, 'var', 'lib', 'posdrop', 'posdrop.db');
    openDatabase(database).close();
    const backups = path.join(root, 'var', 'backups', 'posdrop');
    expect(await readdir(backups)).toEqual([]);
    const before = await readFile(path.join(prefix, '.posdrop-install'), 'utf8');
    await writeFile(path.join(prefix, 'left-by-the-old-install'), 'x');

    const upgrade = await install(['--prefix', prefix]);
    expect(upgrade.code, upgrade.stderr).toBe(0);
    expect(upgrade.stdout).toContain(`==> backup of ${database} into ${backups}`);
    const written = await readdir(backups);
    expect(written).toEqual([expect.stringMatching(/^posdrop-.*\.db$/)]);
    expect(upgrade.stdout.indexOf('==> backup')).toBeLessThan(upgrade.stdout.indexOf(`==> ${prefix}\n`));
    expect(await readdir(prefix)).not.toContain('left-by-the-old-install');
    expect(await readFile(path.join(prefix, '.posdrop-install'), 'utf8')).not.toBe(before);
    expect(await besidePrefix()).toEqual(['posdrop']);
  });

  it.skipIf(!asRoot)('stops when npm prune fails, with its output, and the install in place stays as it was', async () => {
    const bin = path.join(scratch, 'fake-bin');
    await mkdir(bin, { recursive: true });
    await writeFile(path.join(bin, 'npm'), '#!/bin/sh\necho "npm ERR! the registry is unreachable" >&2\nexit 1\n');
    await chmod(path.join(bin, 'npm'), 0o755);
    const marker = await readFile(path.join(prefix, '.posdrop-install'), 'utf8');
    const failed = await install(['--prefix', prefix], { PATH: `${bin}:${process.env.PATH ?? ''}` });
    expect(failed.code).toBe(1);
    expect(failed.stderr).toBe(`npm ERR! the registry is unreachable\ninstall.sh: npm prune --omit=dev failed in the staging copy (output above); ${prefix} was not changed\n`);
    expect(await readFile(path.join(prefix, '.posdrop-install'), 'utf8')).toBe(marker);
    expect(await besidePrefix()).toEqual(['posdrop']);
  });
});
