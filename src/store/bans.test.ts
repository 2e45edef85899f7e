/** The defender's bans: one contract on SQLite and, where a server can be started, on PostgreSQL. */
import { describe, expect, it } from 'vitest';
import { storeEngines, type OpenedEngine } from '../../test/support/store-engines.js';
import type { BanRecord } from '../core/bans.js';
import { BanTable, type BanStore } from './bans.js';
import { PostgresBanStore } from './postgres/bans.js';
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

const storeOn = (opened: OpenedEngine): BanStore => (opened.engine === 'sqlite' ? new BanTable(opened.db, new WriteLock(opened.db)) : new PostgresBanStore(opened.pool));

describe.each(storeEngines('ban store'))('bans on %s (schema 15)', (_engine, skip, open) => {
  it.skipIf(skip)('answers the bans still running, one per scope and subject, and forgets ended ones', async () => {
    const opened = await open();
    try {
      const table = storeOn(opened);
      await table.save(ban('10.0.0.1', 0, 30));
      await table.save(ban('acme', 0, 1, { scope: 'account', strikes: 1 }));
      await table.save(ban('acme', 2, 2, { scope: 'account', strikes: 2, cause: 'noauth', failures: 3 }));
      expect(await table.active(new Date(T0 + 3 * 60_000))).toEqual([ban('acme', 2, 2, { scope: 'account', strikes: 2, cause: 'noauth', failures: 3 }), ban('10.0.0.1', 0, 30)]);
      expect(await table.active(new Date(T0 + 30 * 60_000))).toEqual([]);
      // Saving after the address ban ended deletes its row.
      await table.save(ban('10.1.2.0/24', 40, 30, { scope: 'prefix' }));
      expect(await opened.rows('SELECT scope, subject FROM bans ORDER BY subject')).toEqual([{ scope: 'prefix', subject: '10.1.2.0/24' }]);
    } finally {
      await opened.close();
    }
  });
});
