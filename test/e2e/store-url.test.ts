import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { TestDaemon } from '../support/daemon.js';

const PG_URL = 'postgres://posdrop:hunter2@db.example:5432/posdrop';

describe('store.url', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'posdrop-store-url-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('left empty, keeps the SQLite file in the data directory, for the daemon and the CLI alike', async () => {
    const daemon = await TestDaemon.start({ store: { url: '' } }, { dataDir: path.join(dir, 'sqlite') });
    try {
      expect(existsSync(path.join(daemon.dataDir, 'posdrop.db'))).toBe(true);
      const config = path.join(dir, 'sqlite.json');
      await writeFile(config, JSON.stringify(daemon.config));
      const files = await runCli(['files', '--config', config, '--json']);
      expect([files.code, files.stderr]).toEqual([0, '']);
    } finally {
      await daemon.stop();
    }
  });

  it('naming a PostgreSQL database the daemon cannot reach, stops its start with the reason, never with the password, and creates no SQLite file', async () => {
    const dataDir = path.join(dir, 'postgres');
    await expect(TestDaemon.start({ store: { url: 'postgres://posdrop:hunter2@127.0.0.1:1/posdrop' } }, { dataDir })).rejects.toMatchObject({
      code: 'store_unreachable',
      message: expect.stringMatching(/^cannot open the PostgreSQL database postgres:\/\/posdrop:\*\*\*@127\.0\.0\.1:1\/posdrop \(store\.url\): \S/),
    });
    expect(existsSync(path.join(dataDir, 'posdrop.db'))).toBe(false);
  });

  it('naming a PostgreSQL server that cannot be reached, has the CLI say which and what to check, never with the password', async () => {
    const dataDir = path.join(dir, 'unreachable');
    const config = path.join(dir, 'postgres.json');
    await writeFile(config, JSON.stringify({ data_dir: dataDir, store: { url: PG_URL } }));
    const files = await runCli(['files', '--config', config]);
    expect(files.code).toBe(1);
    expect(files.stderr).toMatch(/^posdrop files: cannot reach the PostgreSQL database postgres:\/\/posdrop:\*\*\*@db\.example:5432\/posdrop \(.+\): is the server running and reachable from here, and store\.url \(or POSDROP_STORE_URL\) right\?\n$/);
    // Backup and restore need no connection to say what to run instead.
    const backup = await runCli(['backup', dir, '--config', config]);
    expect(backup.code).toBe(1);
    expect(backup.stderr).toMatch(new RegExp(`pg_dump --format=custom --no-owner --file=${dir}/posdrop-[0-9TZ-]+\\.dump --dbname=postgres://posdrop@db\\.example:5432/posdrop\n`));
    const restore = await runCli(['restore', path.join(dir, 'x.dump'), '--config', config]);
    expect(restore.code).toBe(1);
    expect(restore.stderr).toContain(`pg_restore --clean --if-exists --no-owner --single-transaction --dbname=postgres://posdrop@db.example:5432/posdrop ${path.join(dir, 'x.dump')}\n`);
    for (const result of [files, backup, restore]) expect(result.stderr).not.toContain('hunter2');
    expect(existsSync(path.join(dataDir, 'posdrop.db'))).toBe(false);
  });
});
