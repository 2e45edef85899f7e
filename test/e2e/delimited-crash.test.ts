/**
 * A crash in the middle of a delimited file: the daemon (`node bin/posdrop.js serve`, built in
 * dist/) is killed with SIGKILL while the file's transaction is open, started again, and the file
 * is stored exactly once.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { waitFor } from '../support/daemon.js';

const BIN = new URL('../../bin/posdrop.js', import.meta.url).pathname;
const LINES = 300_000;

interface Daemon {
  child: ChildProcess;
  events: { event: string; file?: string }[];
  exited: Promise<void>;
}

function serve(dataDir: string): Daemon {
  const env = { ...process.env, POSDROP_DATA_DIR: dataDir, POSDROP_SFTP_PORT: '0', POSDROP_INTAKE_STABLE_MS: '50' };
  const child = spawn(process.execPath, [BIN, 'serve'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const events: Daemon['events'] = [];
  let rest = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    const lines = (rest + chunk.toString()).split('\n');
    rest = lines.pop() ?? '';
    for (const line of lines) if (line.trim().startsWith('{')) events.push(JSON.parse(line) as Daemon['events'][number]);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return { child, events, exited };
}

function seen(daemon: Daemon, event: string, file?: string): boolean {
  return daemon.events.some((line) => line.event === event && (file === undefined || line.file === file));
}

describe('a crash in the middle of a delimited file', () => {
  let dataDir = '';
  afterAll(() => rm(dataDir, { recursive: true, force: true }));

  it('stores the file exactly once after SIGKILL and restart', async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'posdrop-crash-'));
    const first = serve(dataDir);
    await waitFor(() => seen(first, 'daemon.ready'), 30_000);
    const name = 'purchasehistory_CRASH_big.csv';
    const lines = Array.from({ length: LINES }, (_, i) => `cust-${i};SKU-${i % 977};${i % 500}.25;2024-01-02 03:04:05;1;${i % 500}.25`);
    const staged = path.join(dataDir, `${name}.staged`);
    await writeFile(staged, `${lines.join('\n')}\n`);
    await rename(staged, path.join(dataDir, 'partners', 'demo', 'inbox', name));
    await waitFor(() => seen(first, 'file.processing', name), 30_000);
    first.child.kill('SIGKILL');
    await first.exited;

    const before = new Database(path.join(dataDir, 'posdrop.db'), { readonly: true });
    try {
      // killed inside the file's transaction: nothing of it is visible
      expect(before.prepare('SELECT state FROM files WHERE name = ?').pluck().get(name)).toBe('processing');
      expect(before.prepare('SELECT count(*) FROM carma_purchases').pluck().get()).toBe(0);
    } finally {
      before.close();
    }

    const second = serve(dataDir);
    await waitFor(() => seen(second, 'file.processed', name), 60_000);
    second.child.kill('SIGTERM');
    await second.exited;
    const after = new Database(path.join(dataDir, 'posdrop.db'), { readonly: true });
    try {
      expect(after.prepare('SELECT count(*) FROM carma_purchases').pluck().get()).toBe(LINES);
      expect(after.prepare('SELECT count(DISTINCT original_id) FROM carma_purchases').pluck().get()).toBe(LINES);
      expect(after.prepare('SELECT state, accepted FROM files WHERE name = ?').all(name)).toEqual([{ state: 'processed', accepted: LINES }]);
    } finally {
      after.close();
    }
  });
});
