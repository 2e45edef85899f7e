import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { storeRows } from '../support/store-sql.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writePosBatch } from '../../bench/pos-batch-generator.js';
import { sftpBatch } from '../support/clients.js';
import { addPartnerOffline, DaemonProcess } from '../support/daemon-process.js';
import type { TestPartner } from '../support/daemon.js';

const PURCHASES = 40_000;
const FIRST = '20170623_0001_12_pos_large.json';
const SECOND = '20170623_0002_12_pos_large.json';

describe('kill -9 while a large batch is processed', () => {
  let dataDir: string;
  let partner: TestPartner;
  let daemon: DaemonProcess | undefined;

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'posdrop-crash-'));
    partner = await addPartnerOffline(dataDir, 'bigshop', '12');
    await writePosBatch(path.join(dataDir, FIRST), { purchases: PURCHASES, receiptPrefix: 'first' });
    await writePosBatch(path.join(dataDir, SECOND), { purchases: PURCHASES, receiptPrefix: 'second' });
  });
  afterAll(async () => {
    await daemon?.kill('SIGTERM');
    await rm(dataDir, { recursive: true, force: true });
  });

  const states = () => storeRows<{ name: string; state: string }>(dataDir, 'SELECT name, state FROM files ORDER BY name');
  /** How many purchases of each receipt prefix (`first-…`, `second-…`) are stored. */
  const stored = async () => {
    const counts = new Map<string, number>();
    for (const { receipt_id } of await storeRows<{ receipt_id: string }>(dataDir, 'SELECT receipt_id FROM crowdtwist_purchases')) {
      const prefix = receipt_id.slice(0, receipt_id.indexOf('-'));
      counts.set(prefix, (counts.get(prefix) ?? 0) + 1);
    }
    return [...counts].sort(([a], [b]) => a.localeCompare(b)).map(([prefix, n]) => ({ prefix, n }));
  };
  const processing = (name: string) => (line: { event: string; file?: unknown }) => line.event === 'file.processing' && line.file === name;

  it('stores each file exactly once after restarts, the held one released just before a kill included', { timeout: 300_000 }, async () => {
    daemon = await DaemonProcess.start(dataDir);
    const put = async (name: string) => {
      const result = await sftpBatch(daemon!.port, partner, [`put ${path.join(dataDir, name)} /inbox/${name}`]);
      expect(result.code, result.stderr).toBe(0);
    };
    await put(SECOND);
    await daemon.waitForLog((line) => line.event === 'file.held' && line.file === SECOND);
    await put(FIRST);
    await daemon.waitForLog(processing(FIRST));
    await daemon.kill('SIGKILL');

    expect(await states()).toEqual([
      { name: FIRST, state: 'processing' },
      { name: SECOND, state: 'held' },
    ]);
    expect(await stored()).toEqual([]);

    // The first file is processed again from the start; it releases the second, which is killed in turn.
    daemon = await DaemonProcess.start(dataDir);
    await daemon.waitForLog(processing(SECOND));
    await daemon.kill('SIGKILL');
    expect(await states()).toEqual([
      { name: FIRST, state: 'processed' },
      { name: SECOND, state: 'processing' },
    ]);
    expect(await stored()).toEqual([{ prefix: 'first', n: PURCHASES }]);

    daemon = await DaemonProcess.start(dataDir);
    await daemon.waitForLog((line) => line.event === 'file.processed' && line.file === SECOND, 120_000);
    expect(await states()).toEqual([
      { name: FIRST, state: 'processed' },
      { name: SECOND, state: 'processed' },
    ]);
    expect(await stored()).toEqual([
      { prefix: 'first', n: PURCHASES },
      { prefix: 'second', n: PURCHASES },
    ]);
    for (const name of [FIRST, SECOND]) {
      const receipt = JSON.parse(await readFile(path.join(dataDir, 'partners', 'bigshop', 'outbox', `${name}.receipt.json`), 'utf8')) as Record<string, unknown>;
      expect(receipt.counts).toEqual({ total: PURCHASES, accepted: PURCHASES, failed: 0, duplicates: 0 });
    }
    expect(await storeRows(dataDir, 'SELECT last_processed FROM sequences')).toEqual([{ last_processed: 2 }]);
  });
});
