import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { enginesFor, stopEngines } from '../../../test/support/engine-stores.js';
import { openDatabase, type Db } from '../../store/database.js';
import { FileLedger } from '../../store/files.js';
import { migrate } from '../../store/migrate.js';
import { MIGRATIONS } from '../../store/migrations/index.js';
import { PartnerStore } from '../../store/partners.js';
import { openFailedRequestStore } from './failed-request-store.js';

describe('FailedRequestStore', () => {
  let dir: string;
  let db: Db;

  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'posdrop-failed-requests-'));
  });
  afterEach(async () => {
    db?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('comes with schema version 6 onto a database of version 5, whose files it can then point at', async () => {
    const file = path.join(dir, 'posdrop.db');
    const older = new Database(file);
    migrate(older, MIGRATIONS.filter((migration) => migration.version <= 5));
    older.close();
    db = openDatabase(file);
    // 6 and every later step: the latest schema, whatever it is now
    expect(db.pragma('user_version', { simple: true })).toBe(MIGRATIONS.at(-1)?.version);

    new PartnerStore(db, () => new Date()).add({ id: 'acme', clientId: '12', channels: [], formats: [] });
    const row = new FileLedger(db, () => new Date()).insert({ partner: 'acme', name: 'a.json', sha256: 'a'.repeat(64), size: 1 });
    const store = openFailedRequestStore({ engine: 'sqlite', db });
    const request = '{"type":"purchase", "data":{"total":1.50}}';
    store.add(row.id, { index: 3, receiptId: 'r3', type: 'purchase', request });
    store.add(row.id, { index: 0, receiptId: null, type: null, request: '7' });
    expect(await store.list(row.id)).toEqual([
      { index: 0, receiptId: null, type: null, request: '7' },
      { index: 3, receiptId: 'r3', type: 'purchase', request },
    ]);
    expect((await store.list(row.id, 1, 3)).map((failed) => failed.index)).toEqual([3]);
    await store.clear(row.id);
    expect(await store.list(row.id)).toEqual([]);
  });
});

afterAll(stopEngines);

describe.each(enginesFor('failed request store'))('FailedRequestStore on %s', (_name, open, skip) => {
  const request = (index: number) => ({ index, receiptId: `r${index}`, type: 'purchase', request: `{"type":"purchase","data":{"receipt_id":"r${index}","note":"tab\there\\"}}` });

  it.skipIf(skip)('stores the requests as sent, reads them back in order (queued ones too), and forgets a run that is cleared', async () => {
    const engine = await open();
    try {
      await engine.store.transaction(async (tx) => {
        const store = openFailedRequestStore(tx.handle);
        store.add(1, request(3));
        store.add(1, { index: 0, receiptId: null, type: null, request: '7' });
        store.add(2, request(5));
        // read back before any flush: what is queued is written first
        expect(await store.list(1)).toEqual([{ index: 0, receiptId: null, type: null, request: '7' }, request(3)]);
        expect((await store.list(1, 1, 3)).map((failed) => failed.index)).toEqual([3]);
        await store.clear(1);
        expect(await store.list(1)).toEqual([]);
        expect(await store.list(2)).toEqual([request(5)]);
      });
    } finally {
      await engine.close();
    }
  });

  it.skipIf(skip)('writes 1,234 requests across batch boundaries, each once', async () => {
    const engine = await open();
    try {
      await engine.store.transaction(async (tx) => {
        const store = openFailedRequestStore(tx.handle);
        for (let index = 0; index < 1234; index += 1) {
          store.add(1, request(index));
          if (index % 300 === 299) await store.flush(false);
        }
        await store.flush(true);
      });
      const listed = await engine.store.transaction(async (tx) => openFailedRequestStore(tx.handle).list(1));
      expect(listed).toHaveLength(1234);
      expect(listed.map((failed) => failed.index)).toEqual(Array.from({ length: 1234 }, (_, index) => index));
      expect(listed[1233]).toEqual(request(1233));
    } finally {
      await engine.close();
    }
  });

  it.skipIf(skip)('leaves nothing behind when the file is rolled back', async () => {
    const engine = await open();
    try {
      await expect(
        engine.store.transaction(async (tx) => {
          const store = openFailedRequestStore(tx.handle);
          for (let index = 0; index < 1100; index += 1) store.add(1, request(index));
          await store.flush(true);
          throw new Error('the daemon stops mid-file');
        }),
      ).rejects.toThrow('the daemon stops mid-file');
      expect(await engine.rows('SELECT position FROM crowdtwist_failed_requests')).toEqual([]);
    } finally {
      await engine.close();
    }
  });
});
