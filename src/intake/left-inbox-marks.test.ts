import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../store/database.js';
import { FileLedger, type FileRecord } from '../store/files.js';
import { PartnerStore } from '../store/partners.js';
import { SqliteStore } from '../store/store.js';
import { WriteLock } from '../store/write-lock.js';
import { LeftInboxMarks } from './left-inbox-marks.js';

describe('LeftInboxMarks', () => {
  let dir: string;
  let db: Db;
  let files: FileLedger;
  let store: SqliteStore;
  let marks: LeftInboxMarks;
  let clock = Date.parse('2026-12-01T08:00:00Z');
  const errors: unknown[] = [];

  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'posdrop-left-inbox-'));
    db = openDatabase(path.join(dir, 'posdrop.db'));
    const now = () => new Date((clock += 1000));
    new PartnerStore(db, now).add({ id: 'acme', clientId: '12', channels: [], formats: [] });
    files = new FileLedger(db, now);
    store = new SqliteStore(db, new WriteLock(db), now);
    marks = new LeftInboxMarks(store, (err) => errors.push(err));
  });
  afterEach(async () => {
    db.close();
    await rm(dir, { recursive: true, force: true });
  });

  const processed = (name: string): FileRecord => {
    const file = files.insert({ partner: 'acme', name, sha256: name.padEnd(64, '0'), size: 1 });
    files.move(file.id, 'queued');
    files.move(file.id, 'processing');
    return files.move(file.id, 'processed');
  };

  it('writes noted marks with the next transaction, or in one of their own when asked', async () => {
    const a = processed('a.csv');
    const b = processed('b.csv');
    marks.note(a);
    expect(files.get(a.id)?.leftInboxAt).toBeNull();
    await store.transaction((tx) => marks.writeNow(tx));
    expect(files.get(a.id)?.leftInboxAt).not.toBeNull();
    marks.note(b);
    await marks.flush();
    expect(files.get(b.id)?.leftInboxAt).not.toBeNull();
    expect(errors).toEqual([]);
  });

  it('writes them by itself soon after, when nothing else comes', async () => {
    const a = processed('a.csv');
    marks.note(a);
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(files.get(a.id)?.leftInboxAt).not.toBeNull();
  });

  it('does not mark a file that moved since its original left (an operator queued it again)', async () => {
    const a = processed('a.csv');
    marks.note(a);
    files.move(a.id, 'queued', { detail: 'reprocess' });
    await marks.flush();
    expect(files.get(a.id)).toMatchObject({ state: 'queued', leftInboxAt: null });
  });
});
