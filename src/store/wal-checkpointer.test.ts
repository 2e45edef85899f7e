import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from './database.js';
import { WalCheckpointer } from './wal-checkpointer.js';

describe('the WAL checkpointer', () => {
  let dir: string;
  let db: Db;
  let file: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'posdrop-wal-'));
    file = path.join(dir, 'posdrop.db');
    db = openDatabase(file, { migrate: false });
    db.pragma('wal_autocheckpoint = 0');
    db.exec('CREATE TABLE rows (body TEXT)');
  });
  afterEach(async () => {
    db.close();
    await rm(dir, { recursive: true, force: true });
  });

  /** One transaction of about 2 MB. */
  const write = (db0: Db) =>
    db0.transaction(() => {
    const insert = db0.prepare('INSERT INTO rows (body) VALUES (?)');
    for (let i = 0; i < 500; i += 1) insert.run('x'.repeat(4000));
  })();
  const walBytes = async () => (await stat(`${file}-wal`)).size;

  it('folds the log in from its own thread, so that the writer starts it over instead of growing it', async () => {
    const checkpointer = WalCheckpointer.start(file, { everyMs: 60_000 });
    try {
      write(db);
      const first = await checkpointer.now();
      expect(first.walPages).toBeGreaterThan(400);
      expect(first.checkpointedPages).toBe(first.walPages);
      const afterOne = await walBytes();
      for (let round = 0; round < 9; round += 1) {
        write(db);
        await checkpointer.now();
      }
      // Ten transactions of 2 MB, each folded in before the next: the log is reused, not grown.
      expect(await walBytes()).toBeLessThanOrEqual(afterOne * 1.2);
      expect(db.prepare('SELECT count(*) FROM rows').pluck().get()).toBe(5000);
    } finally {
      await checkpointer.stop();
    }
  });

  it('without it, the same writes grow the log by every transaction (the automatic checkpoint is off)', async () => {
    write(db);
    const afterOne = await walBytes();
    for (let round = 0; round < 9; round += 1) write(db);
    expect(await walBytes()).toBeGreaterThan(afterOne * 8);
  });

  it('stops once asked, its connection closed, and leaves the daemon connection working', async () => {
    const checkpointer = WalCheckpointer.start(file, { everyMs: 10 });
    write(db);
    await checkpointer.stop();
    write(db);
    expect(db.prepare('SELECT count(*) FROM rows').pluck().get()).toBe(1000);
    expect(db.pragma('wal_checkpoint(TRUNCATE)')).toEqual([{ busy: 0, log: 0, checkpointed: 0 }]);
  });

  it('says so when its thread is lost, and not when it is stopped', async () => {
    const lost: string[] = [];
    const errors: string[] = [];
    WalCheckpointer.start(path.join(dir, 'no-such.db'), { onError: (m) => errors.push(m), onLost: () => lost.push('lost') });
    await expect.poll(() => lost).toEqual(['lost']);
    expect(errors.join()).toMatch(/SQLITE_CANTOPEN|unable to open/i);

    const stopped = WalCheckpointer.start(file, { onLost: () => lost.push('stopped') });
    await stopped.stop();
    expect(lost).toEqual(['lost']);
  });
});
