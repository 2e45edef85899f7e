/** One contract for Carma's purchase store on both engines: what is stored, in bulk, and rolled back. */
import { afterAll, describe, expect, it } from 'vitest';
import { enginesFor, stopEngines } from '../../../test/support/engine-stores.js';
import { openCarmaStore } from './store.js';

afterAll(stopEngines);

const target = { fileId: 1, partner: 'acme', listId: 'list-7' };
const COLUMNS = 'line, original_id, sku, item_price, transaction_time, quantity, total_price, custom';

describe.each(enginesFor('carma purchase store'))('Carma purchases on %s', (_name, open, skip) => {
  it.skipIf(skip)('stores every purchase as given, nulls and custom columns included, and the same line twice twice', async () => {
    const engine = await open();
    try {
      await engine.store.transaction(async (tx) => {
        const store = openCarmaStore(tx.handle, target);
        store.add(2, ['o-1', 'sku\ttab', '9.95', '2026-01-02 10:00:00', 3, '29.85']);
        const custom: unknown[] = ['o-2', 'back\\slash', '1.00', undefined, undefined, undefined];
        custom[7] = 'gold\nline';
        store.add(3, custom);
        store.add(4, ['o-1', 'sku\ttab', '9.95', '2026-01-02 10:00:00', 3, '29.85']);
        await store.flush(false);
        await store.flush(true);
      });
      const rows = await engine.rows(`SELECT file_id, partner_id, list_id, ${COLUMNS} FROM carma_purchases ORDER BY line`);
      expect(rows).toEqual([
        { file_id: 1, partner_id: 'acme', list_id: 'list-7', line: 2, original_id: 'o-1', sku: 'sku\ttab', item_price: '9.95', transaction_time: '2026-01-02 10:00:00', quantity: 3, total_price: '29.85', custom: null },
        { file_id: 1, partner_id: 'acme', list_id: 'list-7', line: 3, original_id: 'o-2', sku: 'back\\slash', item_price: '1.00', transaction_time: null, quantity: null, total_price: null, custom: '{"column3":"gold\\nline"}' },
        { file_id: 1, partner_id: 'acme', list_id: 'list-7', line: 4, original_id: 'o-1', sku: 'sku\ttab', item_price: '9.95', transaction_time: '2026-01-02 10:00:00', quantity: 3, total_price: '29.85', custom: null },
      ]);
    } finally {
      await engine.close();
    }
  });

  it.skipIf(skip)('writes a file of 2,345 purchases across batch boundaries, each once, with flushes between', async () => {
    const engine = await open();
    try {
      await engine.store.transaction(async (tx) => {
        const store = openCarmaStore(tx.handle, target);
        for (let line = 1; line <= 2345; line += 1) {
          store.add(line, [`o-${line}`, 'sku', '1.00', undefined, line, undefined]);
          if (line % 700 === 0) await store.flush(false);
        }
        await store.flush(true);
      });
      const [counted] = await engine.rows<{ n: number; lines: number; low: number; high: number }>(
        'SELECT count(*) AS n, count(DISTINCT line) AS lines, min(line) AS low, max(line) AS high FROM carma_purchases',
      );
      expect(counted).toEqual({ n: 2345, lines: 2345, low: 1, high: 2345 });
      const [sum] = await engine.rows<{ total: number }>('SELECT sum(quantity) AS total FROM carma_purchases');
      expect(Number(sum?.total)).toBe((2345 * 2346) / 2);
    } finally {
      await engine.close();
    }
  });

  it.skipIf(skip)('leaves nothing behind when the file is rolled back, written batches included', async () => {
    const engine = await open();
    try {
      await expect(
        engine.store.transaction(async (tx) => {
          const store = openCarmaStore(tx.handle, target);
          for (let line = 1; line <= 1500; line += 1) store.add(line, [`o-${line}`, 'sku', '1.00']);
          await store.flush(false);
          throw new Error('the file is refused');
        }),
      ).rejects.toThrow('the file is refused');
      expect(await engine.rows('SELECT line FROM carma_purchases')).toEqual([]);
    } finally {
      await engine.close();
    }
  });
});
