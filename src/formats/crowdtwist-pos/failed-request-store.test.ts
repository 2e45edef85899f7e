import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../../store/database.js';
import { FileLedger } from '../../store/files.js';
import { migrate } from '../../store/migrate.js';
import { MIGRATIONS } from '../../store/migrations/index.js';
import { PartnerStore } from '../../store/partners.js';
import { FailedRequestStore } from './failed-request-store.js';

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

  it('comes with schema version 6 onto a database of version 5, whose files it can then point at', () => {
    const file = path.join(dir, 'posdrop.db');
    const older = new Database(file);
    migrate(older, MIGRATIONS.filter((migration) => migration.version <= 5));
    older.close();
    db = openDatabase(file);
    // 6 and every later step: the latest schema, whatever it is now
    expect(db.pragma('user_version', { simple: true })).toBe(MIGRATIONS.at(-1)?.version);

    new PartnerStore(db, () => new Date()).add({ id: 'acme', clientId: '12', channels: [], formats: [] });
    const row = new FileLedger(db, () => new Date()).insert({ partner: 'acme', name: 'a.json', sha256: 'a'.repeat(64), size: 1 });
    const store = new FailedRequestStore(db);
    const request = '{"type":"purchase", "data":{"total":1.50}}';
    store.add(row.id, { index: 3, receiptId: 'r3', type: 'purchase', request });
    store.add(row.id, { index: 0, receiptId: null, type: null, request: '7' });
    expect(store.list(row.id)).toEqual([
      { index: 0, receiptId: null, type: null, request: '7' },
      { index: 3, receiptId: 'r3', type: 'purchase', request },
    ]);
    expect(store.list(row.id, 1, 3).map((failed) => failed.index)).toEqual([3]);
    store.clear(row.id);
    expect(store.list(row.id)).toEqual([]);
  });
});
