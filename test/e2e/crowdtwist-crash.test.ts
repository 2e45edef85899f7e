import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
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

  const look = <T>(sql: string): T[] => {
    const db = new Database(path.join(dataDir, 'posdrop.db'), { readonly: true });
    try {
      return db.prepare(sql).all() as T[];
    } finally {
      db.close();
    }
  };
  const states = () => look<{ name: string; state: string }>('SELECT name, state FROM files ORDER BY name');
  const stored = () => look<{ prefix: string; n: number }>("SELECT substr(receipt_id, 1, instr(receipt_id, '-') - 1) AS prefix, count(*) AS n FROM crowdtwist_purchases GROUP BY prefix ORDER BY prefix");
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

    expect(states()).toEqual([
      { name: FIRST, state: 'processing' },
      { name: SECOND, state: 'held' },
    ]);
    expect(stored()).toEqual([]);

    // The first file is processed again from the start; it releases the second, which is killed in turn.
    daemon = await DaemonProcess.start(dataDir);
    await daemon.waitForLog(processing(SECOND));
    await daemon.kill('SIGKILL');
    expect(states()).toEqual([
      { name: FIRST, state: 'processed' },
      { name: SECOND, state: 'processing' },
    ]);
    expect(stored()).toEqual([{ prefix: 'first', n: PURCHASES }]);

    daemon = await DaemonProcess.start(dataDir);
    await daemon.waitForLog((line) => line.event === 'file.processed' && line.file === SECOND, 120_000);
    expect(states()).toEqual([
      { name: FIRST, state: 'processed' },
      { name: SECOND, state: 'processed' },
    ]);
    expect(stored()).toEqual([
      { prefix: 'first', n: PURCHASES },
      { prefix: 'second', n: PURCHASES },
    ]);
    for (const name of [FIRST, SECOND]) {
      const receipt = JSON.parse(await readFile(path.join(dataDir, 'partners', 'bigshop', 'outbox', `${name}.receipt.json`), 'utf8')) as Record<string, unknown>;
      expect(receipt.counts).toEqual({ total: PURCHASES, accepted: PURCHASES, failed: 0, duplicates: 0 });
    }
    expect(look('SELECT last_processed FROM sequences')).toEqual([{ last_processed: 2 }]);
  });
});
