/** One contract for PBJ's sales store on both engines: ORDER_ID once per channel, in a file, across files and across nodes. */
import { afterAll, describe, expect, it } from 'vitest';
import { enginesFor, stopEngines } from '../../../test/support/engine-stores.js';
import { gate, lockWaiters } from '../../../test/support/lock-waiters.js';
import type { StoreTx } from '../../store/store.js';
import type { KeyHolder } from '../delimited/dedupe.js';
import { openPbjSales, type SaleTarget } from './store.js';

afterAll(stopEngines);

const sale = (orderId: number, customer = 'c-1'): unknown[] => [orderId, 7, customer, 'Lotto', 2, '12.50', 'cash', '2026-01-02'];
const file = (id: number, channel = 'retail'): SaleTarget => ({ id, partner: 'acme', channel });

/** Runs one file's lines as the delimited run does: prepared per piece, judged in order, flushed. */
async function runFile(tx: StoreTx, target: SaleTarget, pieces: [number, unknown[]][][]): Promise<(KeyHolder | undefined)[]> {
  const sales = await openPbjSales(tx.handle, target);
  const verdicts: (KeyHolder | undefined)[] = [];
  for (const piece of pieces) {
    await sales.prepare?.(piece.map(([, values]) => values));
    for (const [line, values] of piece) verdicts.push(sales.add(line, values));
    await sales.flush(false);
  }
  await sales.flush(true);
  return verdicts;
}

describe.each(enginesFor('pbj sales store'))('PBJ sales on %s', (_name, open, skip) => {
  it.skipIf(skip)('stores each sale once per channel: a second ORDER_ID in the file or a later file is answered with its holder', async () => {
    const engine = await open();
    try {
      const first = await engine.store.transaction((tx) => runFile(tx, file(1), [[[2, sale(1001)], [3, sale(1002)]], [[4, sale(1001)], [5, sale(1003, 'tab\there')]]]));
      expect(first).toEqual([undefined, undefined, { fileId: 1, line: 2 }, undefined]);
      const second = await engine.store.transaction((tx) => runFile(tx, file(2), [[[2, sale(1002)], [3, sale(1004)]]]));
      expect(second).toEqual([{ fileId: 1, line: 3 }, undefined]);
      // another channel has ORDER_IDs of its own
      expect(await engine.store.transaction((tx) => runFile(tx, file(3, 'direct-mail'), [[[2, sale(1001)]]]))).toEqual([undefined]);
      // processed again, a file finds its own sales where it put them
      expect(await engine.store.transaction((tx) => runFile(tx, file(1), [[[2, sale(1001)]]]))).toEqual([{ fileId: 1, line: 2 }]);
      const rows = await engine.rows('SELECT file_id, channel, line, order_id, customer_id, amount FROM pbj_sales ORDER BY channel, order_id');
      expect(rows).toEqual([
        { file_id: 3, channel: 'direct-mail', line: 2, order_id: 1001, customer_id: 'c-1', amount: '12.50' },
        { file_id: 1, channel: 'retail', line: 2, order_id: 1001, customer_id: 'c-1', amount: '12.50' },
        { file_id: 1, channel: 'retail', line: 3, order_id: 1002, customer_id: 'c-1', amount: '12.50' },
        { file_id: 1, channel: 'retail', line: 5, order_id: 1003, customer_id: 'tab\there', amount: '12.50' },
        { file_id: 2, channel: 'retail', line: 3, order_id: 1004, customer_id: 'c-1', amount: '12.50' },
      ]);
    } finally {
      await engine.close();
    }
  });

  it.skipIf(skip)('writes 2,500 sales across batches once each, and leaves none behind when the file is rolled back', async () => {
    const engine = await open();
    try {
      const lines = Array.from({ length: 2500 }, (_, i): [number, unknown[]] => [i + 2, sale(5000 + i)]);
      const pieces = [lines.slice(0, 1200), lines.slice(1200)];
      await expect(
        engine.store.transaction(async (tx) => {
          await runFile(tx, file(1), pieces);
          throw new Error('one bad line refuses the file');
        }),
      ).rejects.toThrow('one bad line');
      expect(await engine.rows('SELECT order_id FROM pbj_sales')).toEqual([]);
      const verdicts = await engine.store.transaction((tx) => runFile(tx, file(2), pieces));
      expect(verdicts.every((verdict) => verdict === undefined)).toBe(true);
      expect(await engine.rows('SELECT count(*) AS n, count(DISTINCT order_id) AS orders FROM pbj_sales')).toEqual([{ n: 2500, orders: 2500 }]);
    } finally {
      await engine.close();
    }
  });

  it.skipIf(skip || _name !== 'PostgreSQL')('keeps an ORDER_ID once when two files of the channel are processed at once, as by two nodes', async () => {
    const engine = await open();
    try {
      const firstHolds = gate();
      const firstRead = gate();
      const first = engine.store.transaction(async (tx) => {
        const verdicts = await runFile(tx, file(1), [[[2, sale(1001)]]]);
        firstRead.open();
        await firstHolds.wait;
        return verdicts;
      });
      await firstRead.wait;
      const second = engine.store.transaction((tx) => runFile(tx, file(2), [[[2, sale(1001)], [3, sale(1002)]]]));
      // the second file waits for the first's channel lock before it reads anything
      await lockWaiters(engine);
      firstHolds.open();
      expect(await first).toEqual([undefined]);
      expect(await second).toEqual([{ fileId: 1, line: 2 }, undefined]);
      expect(await engine.rows('SELECT file_id, order_id FROM pbj_sales ORDER BY order_id')).toEqual([
        { file_id: 1, order_id: 1001 },
        { file_id: 2, order_id: 1002 },
      ]);
    } finally {
      await engine.close();
    }
  });
});
