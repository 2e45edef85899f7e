import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BanRecord } from '../core/bans.js';
import { BanTable } from './bans.js';
import { openDatabase, type Db } from './database.js';
import { WriteLock } from './write-lock.js';

const T0 = Date.parse('2026-12-01T10:00:00.000Z');

function ban(subject: string, minutesFrom: number, minutesLong: number, more: Partial<BanRecord> = {}): BanRecord {
  return {
    scope: 'address',
    subject,
    cause: 'login',
    failures: 15,
    strikes: 1,
    bannedAt: new Date(T0 + minutesFrom * 60_000),
    until: new Date(T0 + (minutesFrom + minutesLong) * 60_000),
    ...more,
  };
}

describe('BanTable (schema 15)', () => {
  let dir: string;
  let db: Db;
  let table: BanTable;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'posdrop-bans-'));
    db = openDatabase(path.join(dir, 'posdrop.db'));
    table = new BanTable(db, new WriteLock(db));
  });
  afterAll(async () => {
    db.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('answers the bans still running, one per scope and subject, and forgets ended ones', async () => {
    await table.save(ban('10.0.0.1', 0, 30));
    await table.save(ban('acme', 0, 1, { scope: 'account', strikes: 1 }));
    await table.save(ban('acme', 2, 2, { scope: 'account', strikes: 2 }));
    expect(await table.active(new Date(T0 + 3 * 60_000))).toEqual([ban('acme', 2, 2, { scope: 'account', strikes: 2 }), ban('10.0.0.1', 0, 30)]);
    // Saving after the address ban ended deletes its row.
    await table.save(ban('10.1.2.0/24', 40, 30, { scope: 'prefix' }));
    expect(db.prepare('SELECT scope, subject FROM bans ORDER BY subject').all()).toEqual([{ scope: 'prefix', subject: '10.1.2.0/24' }]);
  });
});
