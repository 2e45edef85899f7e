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
    const daemon = await TestDaemon.start({}, { dataDir: path.join(dir, 'sqlite') });
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

  it('naming PostgreSQL, is refused by the CLI with the reason, never with the password', async () => {
    const dataDir = path.join(dir, 'postgres');

    const config = path.join(dir, 'postgres.json');
    await writeFile(config, JSON.stringify({ data_dir: dataDir, store: { url: PG_URL } }));
    for (const argv of [['files'], ['backup', dir], ['restore', path.join(dir, 'x.db')]]) {
      const result = await runCli([...argv, '--config', config]);
      expect(result.code, argv.join(' ')).toBe(1);
      expect(result.stderr).toContain('runs only on SQLite so far');
      expect(result.stderr).not.toContain('hunter2');
    }
  });
});
