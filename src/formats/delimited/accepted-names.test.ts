/** One contract for claiming a name of a name-once format, on both engines. */
import { afterAll, describe, expect, it } from 'vitest';
import { enginesFor, stopEngines } from '../../../test/support/engine-stores.js';
import { gate, lockWaiters } from '../../../test/support/lock-waiters.js';
import { claimName, UsedNames } from './accepted-names.js';

afterAll(stopEngines);

const claim = (fileId: number, name = 'sales_20260101.csv') => ({ partner: 'acme', format: 'pbj-offline-sales', name, fileId });

describe.each(enginesFor('accepted names'))('claimName on %s', (name, open, skip) => {
  it.skipIf(skip)('gives a name to the first file, again to that file, and never to another; per partner and name', async () => {
    const engine = await open();
    try {
      await engine.store.transaction(async (tx) => {
        expect(await claimName(tx.handle, claim(1))).toBe(true);
        expect(await claimName(tx.handle, claim(1))).toBe(true);
        expect(await claimName(tx.handle, claim(2))).toBe(false);
        expect(await claimName(tx.handle, claim(2, 'other.csv'))).toBe(true);
        expect(await claimName(tx.handle, { ...claim(3), partner: 'zeta' })).toBe(true);
      });
      expect(await engine.rows('SELECT partner_id, name, file_id FROM accepted_names ORDER BY partner_id, name')).toEqual([
        { partner_id: 'acme', name: 'other.csv', file_id: 2 },
        { partner_id: 'acme', name: 'sales_20260101.csv', file_id: 1 },
        { partner_id: 'zeta', name: 'sales_20260101.csv', file_id: 3 },
      ]);
    } finally {
      await engine.close();
    }
  });

  it.skipIf(skip)('does not use the name up when the file that claimed it is rolled back', async () => {
    const engine = await open();
    try {
      await expect(
        engine.store.transaction(async (tx) => {
          expect(await claimName(tx.handle, claim(1))).toBe(true);
          throw new Error('one bad line refuses the file');
        }),
      ).rejects.toThrow('one bad line');
      expect(await engine.store.transaction((tx) => claimName(tx.handle, claim(2)))).toBe(true);
    } finally {
      await engine.close();
    }
  });

  it.skipIf(skip || name !== 'PostgreSQL')('gives a name to one file of two claiming it at once, and the names used are the committed ones', async () => {
    const engine = await open();
    try {
      const used = new UsedNames(engine.store);
      const firstHolds = gate();
      const firstClaimed = gate();
      const first = engine.store.transaction(async (tx) => {
        const claimed = await claimName(tx.handle, claim(1));
        firstClaimed.open();
        await firstHolds.wait;
        return claimed;
      });
      await firstClaimed.wait;
      // not yet committed: an upload under the name is not refused for a claim that may roll back
      expect(await used.used('acme', 'pbj-offline-sales', 'sales_20260101.csv')).toBe(false);
      const second = engine.store.transaction((tx) => claimName(tx.handle, claim(2)));
      await lockWaiters(engine);
      firstHolds.open();
      expect(await first).toBe(true);
      expect(await second).toBe(false);
      expect(await used.used('acme', 'pbj-offline-sales', 'sales_20260101.csv')).toBe(true);
      expect(await used.used('zeta', 'pbj-offline-sales', 'sales_20260101.csv')).toBe(false);
    } finally {
      await engine.close();
    }
  });
});
