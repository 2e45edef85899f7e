/**
 * A crash in the middle of a delimited file: the daemon (`node bin/posdrop.js serve`, built in
 * dist/) is killed with SIGKILL while the file's transaction is open, started again, and the file
 * is stored exactly once.
 */
import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { storeRows, storeValue } from '../support/store-sql.js';
import { afterAll, describe, expect, it } from 'vitest';
import { DaemonProcess } from '../support/daemon-process.js';

const LINES = 300_000;

/** The daemon on its embedded defaults (the demo partner takes Carma files), ports free. */
function serve(dataDir: string): Promise<DaemonProcess> {
  return DaemonProcess.start(dataDir, { POSDROP_DEMO_PARTNER: 'true', POSDROP_INTAKE_STABLE_MS: '50' });
}

describe('a crash in the middle of a delimited file', () => {
  let dataDir = '';
  afterAll(() => rm(dataDir, { recursive: true, force: true }));

  it('stores the file exactly once after SIGKILL and restart', async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'posdrop-crash-'));
    const first = await serve(dataDir);
    const name = 'purchasehistory_CRASH_big.csv';
    const lines = Array.from({ length: LINES }, (_, i) => `cust-${i};SKU-${i % 977};${i % 500}.25;2024-01-02 03:04:05;1;${i % 500}.25`);
    const staged = path.join(dataDir, `${name}.staged`);
    await writeFile(staged, `${lines.join('\n')}\n`);
    await rename(staged, path.join(dataDir, 'partners', 'demo', 'inbox', name));
    await first.waitForLog((line) => line.event === 'file.processing' && line.file === name, 30_000);
    await first.kill('SIGKILL');

    // killed inside the file's transaction: nothing of it is visible
    expect(await storeValue(dataDir, 'SELECT state FROM files WHERE name = ?', name)).toBe('processing');
    expect(await storeValue(dataDir, 'SELECT count(*) FROM carma_purchases')).toBe(0);

    const second = await serve(dataDir);
    await second.waitForLog((line) => line.event === 'file.processed' && line.file === name, 60_000);
    await second.kill('SIGTERM');
    expect(await storeValue(dataDir, 'SELECT count(*) FROM carma_purchases')).toBe(LINES);
    expect(await storeValue(dataDir, 'SELECT count(DISTINCT original_id) FROM carma_purchases')).toBe(LINES);
    expect(await storeRows(dataDir, 'SELECT state, accepted FROM files WHERE name = ?', name)).toEqual([{ state: 'processed', accepted: LINES }]);
  });
});
