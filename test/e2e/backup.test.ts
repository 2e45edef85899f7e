import { mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { BUILT_IN_FORMATS } from '../../src/formats/registry.js';
import { openDatabase } from '../../src/store/database.js';
import { MIGRATIONS } from '../../src/store/migrations/index.js';
import { run, sftpBatch, type BatchResult } from '../support/clients.js';
import { TestDaemon, waitFor, type TestPartner } from '../support/daemon.js';
import { lineFormats } from '../support/line-format.mjs';
import { sqliteOnly } from '../support/store-sql.js';

const BIN = path.resolve(import.meta.dirname, '../../bin/posdrop.js');

sqliteOnly('backup and restore copy the SQLite file (on PostgreSQL: pg_dump, store-url.test.ts)')('posdrop backup and restore', () => {
  let daemon: TestDaemon;
  let acme: TestPartner;
  let backup: string;
  const cli = (...args: string[]): Promise<BatchResult> =>
    run(process.execPath, [BIN, ...args], { env: { ...process.env, POSDROP_DATA_DIR: daemon.dataDir } });

  beforeAll(async () => {
    daemon = await TestDaemon.start({}, { formats: lineFormats(BUILT_IN_FORMATS) });
    acme = await daemon.addPartner({ id: 'acme', clientId: '12' });
    backup = daemon.path('posdrop-backup.db');
  });
  afterAll(() => daemon.destroy());

  it('writes a sound copy while the daemon is taking uploads', async () => {
    const names = Array.from({ length: 8 }, (_, i) => `purchasehistory_L${i}_batch.csv`);
    for (const name of names) await writeFile(daemon.path(name), Array.from({ length: 2000 }, (_, j) => `o${j};sku;1.00`).join('\n'));
    const uploading = sftpBatch(daemon.port, acme, ['cd /inbox', ...names.map((name) => `put ${daemon.path(name)}`)]);
    const result = await cli('backup', backup, '--json');
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ path: backup, schema_version: MIGRATIONS.at(-1)?.version });
    expect((await uploading).code).toBe(0);
    await waitFor(async () => (await daemon.outbox('acme')).filter((name) => name.endsWith('.receipt.json')).length === names.length);

    const copy = new Database(backup, { readonly: true });
    try {
      expect(copy.pragma('integrity_check', { simple: true })).toBe('ok');
      expect(copy.prepare('SELECT id FROM partners').all()).toEqual([{ id: 'acme' }]);
      const files = copy.prepare('SELECT count(*) AS n FROM files').get() as { n: number };
      expect(files.n).toBeLessThanOrEqual(names.length);
    } finally {
      copy.close();
    }
  });

  it('never overwrites, and takes a folder for a time-stamped name', async () => {
    const again = await cli('backup', backup);
    expect([again.code, again.stderr]).toEqual([1, `posdrop backup: ${backup} already exists; choose another name or remove it first\n`]);
    const folder = await cli('backup', daemon.path('keys'));
    expect(folder.code).toBe(0);
    expect((await readdir(daemon.path('keys'))).some((name) => /^posdrop-\d{4}-.*\.db$/.test(name))).toBe(true);
  });

  it('leaves nothing but the backup in its folder, readable by the service user alone', async () => {
    const folder = await mkdtemp(path.join(tmpdir(), 'posdrop-backups-'));
    try {
      // The umask of a login shell: without care the copy would be 0644.
      const result = await run('sh', ['-c', `umask 022; exec "$0" "$@"`, process.execPath, BIN, 'backup', folder, '--json'], {
        env: { ...process.env, POSDROP_DATA_DIR: daemon.dataDir },
      });
      expect(result.code, result.stderr).toBe(0);
      const written = (JSON.parse(result.stdout) as { path: string }).path;
      expect(await readdir(folder)).toEqual([path.basename(written)]);
      expect((await stat(written)).mode & 0o777).toBe(0o600);
      // Opening the copy (read-only, as an operator's sqlite3 would) grows nothing beside it.
      const copy = new Database(written, { readonly: true });
      expect(copy.pragma('journal_mode', { simple: true })).toBe('delete');
      copy.close();
      expect(await readdir(folder)).toEqual([path.basename(written)]);
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  });

  it('refuses to restore while the daemon runs', async () => {
    const result = await cli('restore', backup);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^posdrop restore: the daemon is running \(pid \d+\); stop it first/);
  });

  it('restores a backup once the daemon is stopped, keeps the replaced database, and the daemon starts on it', async () => {
    await daemon.stop();
    const partnersBefore = new Database(backup, { readonly: true }).prepare('SELECT count(*) AS n FROM files').get() as { n: number };
    const notADatabase = daemon.path('not-a-db.db');
    await writeFile(notADatabase, 'hello');
    const bad = await cli('restore', notADatabase);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/not-a-db\.db (cannot be (opened|read) as a database|is not a posdrop database)/);

    const result = await cli('restore', backup, '--json');
    expect(result.code).toBe(0);
    const restored = JSON.parse(result.stdout) as { kept_as: string };
    expect(restored.kept_as).toMatch(/posdrop\.db\.replaced-/);
    expect(await readdir(daemon.dataDir)).toContain(path.basename(restored.kept_as));

    await daemon.restart();
    const { files, partners } = daemon.app.running;
    expect(partners.list().map((p) => p.id)).toEqual(['acme']);
    expect(Object.values(files.countByState()).reduce((sum, n) => sum + n, 0)).toBe(partnersBefore.n);
    const status = await cli('status', '--json');
    expect(JSON.parse(status.stdout)).toMatchObject({ running: true, partners: { total: 1 } });
  });
});

sqliteOnly('a restored SQLite file')('ids after a restore', () => {
  let daemon: TestDaemon;
  let acme: TestPartner;
  const cli = (...args: string[]): Promise<BatchResult> =>
    run(process.execPath, [BIN, ...args], { env: { ...process.env, POSDROP_DATA_DIR: daemon.dataDir } });
  async function send(name: string, content: string) {
    await writeFile(daemon.path(name), content);
    expect((await sftpBatch(daemon.port, acme, [`put ${daemon.path(name)} /inbox/`])).code).toBe(0);
    return waitFor(async () => (await daemon.ledger('acme')).find((row) => row.name === name && row.state === 'processed' && row.archivePath && !seen.has(row.id)));
  }
  const seen = new Set<number>();

  beforeAll(async () => {
    daemon = await TestDaemon.start({}, { formats: lineFormats(BUILT_IN_FORMATS) });
    acme = await daemon.addPartner({ id: 'acme', clientId: '12' });
  });
  afterAll(() => daemon.destroy());

  it('never hands out again an id or archive path given before the restore, with or without the replaced database', async () => {
    const first = await send('purchasehistory_L1_before.csv', 'a;s;1\n');
    seen.add(first.id);
    const backup = daemon.path('before.db');
    expect((await cli('backup', backup)).code).toBe(0);
    const lost = await send('purchasehistory_L1_after.csv', 'b;s;1\n');
    seen.add(lost.id);
    await daemon.stop();

    const restored = await cli('restore', backup);
    expect(restored.code, restored.stderr).toBe(0);
    expect(restored.stdout).toContain(`new files get ids above ${lost.id}, the highest handed out before`);
    await daemon.restart();
    expect((await daemon.ledger('acme')).map((row) => row.id)).toEqual([first.id]);

    // The file the backup never knew, sent again: a new id, a new archive path, the old original kept.
    await waitFor(async () => (await readdir(daemon.path('partners', 'acme', 'inbox'))).length === 0);
    const resent = await send('purchasehistory_L1_after.csv', 'b;s;1\n');
    seen.add(resent.id);
    expect(resent.id).toBeGreaterThan(lost.id);
    expect(resent.archivePath).not.toBe(lost.archivePath);
    await waitFor(async () => (await stat(daemon.path(resent.archivePath ?? ''))).isFile());
    expect((await stat(daemon.path(lost.archivePath ?? ''))).isFile()).toBe(true);

    // The database lost altogether: the archive alone still tells which ids were taken.
    await daemon.stop();
    for (const name of await readdir(daemon.dataDir)) if (name.startsWith('posdrop.db')) await rm(daemon.path(name));
    const fromArchive = await cli('restore', backup, '--json');
    expect(fromArchive.code, fromArchive.stderr).toBe(0);
    expect(JSON.parse(fromArchive.stdout)).toMatchObject({ kept_as: null, file_id_floor: resent.id });
    await daemon.restart();
    const next = await send('purchasehistory_L1_later.csv', 'c;s;1\n');
    expect(next.id).toBe(resent.id + 1);
  });
});

sqliteOnly("a newer SQLite file's user_version (PostgreSQL's: store/postgres/migrate.test.ts)")('a database written by a newer posdrop', () => {
  const latest = MIGRATIONS.at(-1)?.version ?? 0;
  let dir: string;
  const env = () => ({ ...process.env, POSDROP_DATA_DIR: dir, POSDROP_SFTP_PORT: '0', POSDROP_HTTP_PORT: '0', POSDROP_API_PORT: '0', POSDROP_DEMO_PARTNER: 'false' });
  const userVersion = (file: string) => {
    const db = new Database(file, { readonly: true });
    try {
      return db.pragma('user_version', { simple: true }) as number;
    } finally {
      db.close();
    }
  };

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'posdrop-newer-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  /** A sound posdrop database one schema version ahead of this posdrop. */
  function newerDatabase(file: string): void {
    const db = openDatabase(file);
    db.pragma(`user_version = ${latest + 1}`);
    db.close();
  }

  it('stops the daemon at start with one line that says to upgrade, and is left as it was', async () => {
    const database = path.join(dir, 'posdrop.db');
    newerDatabase(database);
    const serve = await run(process.execPath, [BIN, 'serve'], { env: env() });
    expect(serve.code).toBe(1);
    expect(serve.stderr).toBe(
      `posdrop serve: the database is at schema version ${latest + 1}, newer than this posdrop knows (${latest}); upgrade posdrop\n`,
    );
    expect(serve.stdout).toContain('"event":"daemon.start_failed"');
    expect(userVersion(database)).toBe(latest + 1);
  });

  it('is refused by posdrop restore, before the database in place is touched', async () => {
    const backup = path.join(dir, 'from-the-future.db');
    newerDatabase(backup);
    const database = path.join(dir, 'posdrop.db');
    const inPlace = async () => (await readdir(dir)).filter((name) => name.startsWith('posdrop.db'));
    const before = await inPlace();
    const result = await run(process.execPath, [BIN, 'restore', backup], { env: env() });
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      `posdrop restore: ${backup} is at schema version ${latest + 1}, newer than this posdrop knows (${latest}); upgrade posdrop first\n`,
    );
    expect(await inPlace()).toEqual(before);
    expect(userVersion(database)).toBe(latest + 1);
  });
});
