import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLog } from '../log.js';
import { openDatabase, type Db } from '../store/database.js';
import { PartnerStore } from '../store/partners.js';
import { runCheckpoint } from './checkpoint.js';

describe('the checkpoint job', () => {
  let dir: string;
  let db: Db;

  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'posdrop-checkpoint-'));
    db = openDatabase(path.join(dir, 'posdrop.db'));
    const partners = new PartnerStore(db, () => new Date());
    for (let i = 0; i < 50; i += 1) partners.add({ id: `p${i}`, clientId: `${i}`, channels: [], formats: [] });
  });
  afterEach(async () => {
    db.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('empties the write-ahead log when the intake is idle', async () => {
    expect((await stat(path.join(dir, 'posdrop.db-wal'))).size).toBeGreaterThan(0);
    expect(runCheckpoint({ database: { engine: 'sqlite', db }, log: createLog({ level: 'error' }), pendingFiles: () => 0 })).toBe('ok');
    expect((await stat(path.join(dir, 'posdrop.db-wal'))).size).toBe(0);
  });

  it("runs PRAGMA optimize: the query planner's statistics exist afterwards", () => {
    const statistics = () => db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE name = 'sqlite_stat1'").get() as { n: number };
    expect(statistics().n).toBe(0);
    runCheckpoint({ database: { engine: 'sqlite', db }, log: createLog({ level: 'error' }), pendingFiles: () => 0 });
    expect(statistics().n).toBe(1);
    expect(db.prepare("SELECT stat FROM sqlite_stat1 WHERE tbl = 'partners'").all()).toEqual([{ stat: expect.stringMatching(/^50 /) }]);
  });

  it('leaves the log alone while files wait', async () => {
    const size = (await stat(path.join(dir, 'posdrop.db-wal'))).size;
    expect(runCheckpoint({ database: { engine: 'sqlite', db }, log: createLog({ level: 'error' }), pendingFiles: () => 3 })).toBe('skipped');
    expect((await stat(path.join(dir, 'posdrop.db-wal'))).size).toBe(size);
  });

  it('does nothing on PostgreSQL, whose server checkpoints on its own', () => {
    expect(runCheckpoint({ database: { engine: 'postgres' }, log: createLog({ level: 'error' }), pendingFiles: () => 0 })).toBe('skipped');
  });
});
