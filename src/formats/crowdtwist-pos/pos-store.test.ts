/** One contract for the CrowdTwist tables on both engines: requests judged against what the file and earlier files stored, in bulk, and two files at once. */
import { afterAll, describe, expect, it } from 'vitest';
import { enginesFor, stopEngines } from '../../../test/support/engine-stores.js';
import { gate, lockWaiters } from '../../../test/support/lock-waiters.js';
import type { StoreTx } from '../../store/store.js';
import type { CheckedElement } from './check-element.js';
import { openPosStore } from './pos-store.js';
import type { Fulfillment, PosRequest, Purchase, Return } from './requests.js';
import { settleRequest, type Settled } from './settle-request.js';

afterAll(stopEngines);

const purchase = (receiptId: string, quantity = 2): Purchase => ({
  kind: 'purchase', receiptId, orderId: `o-${receiptId}`, userId: 42, total: 19.9, subtotal: 19.9, datePurchased: '2026-01-02 10:00:00',
  channelId: 3, currency: 'EUR', customData: null, extra: null, requestExtra: null,
  items: [
    { sku: 'A', price: 9.95, quantity, transactionId: 7, customData: null, awaitingFulfillment: true, extra: null },
    { sku: 'B', price: 1, quantity: 1, transactionId: 'tx\t1', customData: '{"x":1}', awaitingFulfillment: false, extra: null },
  ],
  tenders: [{ type: 1, amount: 19.9, extra: null }],
  coupons: ['SAVE'],
});
const giveBack = (returnId: string, receiptId: string, quantity: number): Return => ({
  kind: 'return', returnId, receiptId, dateReturned: '2026-01-03', items: [{ sku: 'A', quantity, price: null, extra: null }], extra: null, requestExtra: null,
});
const fulfil = (fulfillmentId: string, receiptId: string, quantity: number): Fulfillment => ({
  kind: 'fulfillment', fulfillmentId, receiptId, dateFulfilled: '2026-01-03', items: [{ sku: 'A', quantity, extra: null }], extra: null, requestExtra: null,
});

function element(index: number, request: PosRequest): CheckedElement {
  const ids = { receiptId: request.receiptId, returnId: request.kind === 'return' ? request.returnId : undefined, fulfillmentId: request.kind === 'fulfillment' ? request.fulfillmentId : undefined };
  return { index, text: '{}', checked: { type: request.kind, ...ids, problems: [], unknownFields: [], request } };
}

/** A file's requests as the batch run settles them: prepared per piece, settled in order, flushed. */
async function runFile(tx: StoreTx, fileId: number, pieces: PosRequest[][]): Promise<string[]> {
  const store = await openPosStore(tx.handle, 'acme', fileId);
  const outcomes: string[] = [];
  let index = 0;
  for (const piece of pieces) {
    const elements = piece.map((request) => element(index++, request));
    await store.prepare?.(elements);
    for (const { checked, index: at } of elements) outcomes.push(verdict(settleRequest(checked, store, at)));
    await store.flush(false);
  }
  await store.flush(true);
  return outcomes;
}

function verdict(settled: Settled): string {
  return settled.outcome === 'refused' ? settled.problems.map((problem) => problem.code).join(',') : settled.outcome;
}

describe.each(enginesFor('crowdtwist pos store'))('CrowdTwist tables on %s', (name, open, skip) => {
  it.skipIf(skip)('judges returns and fulfillments against purchases of the file and of earlier files, and each id once', async () => {
    const engine = await open();
    try {
      const first = await engine.store.transaction((tx) =>
        runFile(tx, 1, [[purchase('r1'), purchase('r1'), giveBack('x1', 'r1', 1)], [giveBack('x2', 'r1', 1), giveBack('x3', 'r1', 1), fulfil('f1', 'r1', 2), giveBack('x1', 'r1', 1)]]),
      );
      expect(first).toEqual(['stored', 'duplicate_receipt_id', 'stored', 'stored', 'over_return', 'stored', 'duplicate_return_id']);
      const second = await engine.store.transaction((tx) =>
        runFile(tx, 2, [[purchase('r1'), giveBack('x4', 'r1', 1), fulfil('f2', 'r1', 1), giveBack('x5', 'nope', 1), purchase('r2', 5)]]),
      );
      expect(second).toEqual(['duplicate_receipt_id', 'over_return', 'not_awaiting_fulfillment', 'unknown_receipt_id', 'stored']);
      // processed again, file 1 finds its own requests where it put them
      expect(await engine.store.transaction((tx) => runFile(tx, 1, [[purchase('r1'), purchase('r1')]]))).toEqual(['stored-before', 'duplicate_receipt_id']);
      expect(await engine.rows('SELECT receipt_id, file_id, position, user_id, total FROM crowdtwist_purchases ORDER BY id')).toEqual([
        { receipt_id: 'r1', file_id: 1, position: 0, user_id: 42, total: 19.9 },
        { receipt_id: 'r2', file_id: 2, position: 4, user_id: 42, total: 19.9 },
      ]);
      const items = await engine.rows<{ sku: string; transaction_id: unknown; is_awaiting_fulfillment: number }>(
        'SELECT sku, transaction_id, is_awaiting_fulfillment FROM crowdtwist_items i JOIN crowdtwist_purchases p ON p.id = i.purchase_id WHERE p.receipt_id = ? ORDER BY line', 'r1',
      );
      expect(items).toEqual([
        { sku: 'A', transaction_id: 7, is_awaiting_fulfillment: 1 },
        { sku: 'B', transaction_id: 'tx\t1', is_awaiting_fulfillment: 0 },
      ]);
      expect(await engine.rows('SELECT return_id, position FROM crowdtwist_returns ORDER BY return_id')).toEqual([
        { return_id: 'x1', position: 2 },
        { return_id: 'x2', position: 3 },
      ]);
      expect(await engine.rows('SELECT count(*) AS n FROM crowdtwist_fulfillment_items')).toEqual([{ n: 1 }]);
      expect(await engine.rows('SELECT count(*) AS n FROM crowdtwist_coupons')).toEqual([{ n: 2 }]);
    } finally {
      await engine.close();
    }
  });

  it.skipIf(skip)('stores 3,000 purchases across COPY batches once each, and none of a file rolled back', async () => {
    const engine = await open();
    try {
      const pieces = [0, 1, 2].map((piece) => Array.from({ length: 1000 }, (_, i) => purchase(`r${piece * 1000 + i}`)));
      await expect(
        engine.store.transaction(async (tx) => {
          await runFile(tx, 1, pieces);
          throw new Error('the daemon stops mid-file');
        }),
      ).rejects.toThrow('the daemon stops mid-file');
      expect(await engine.rows('SELECT count(*) AS n FROM crowdtwist_items')).toEqual([{ n: 0 }]);
      const outcomes = await engine.store.transaction((tx) => runFile(tx, 2, pieces));
      expect(outcomes.filter((outcome) => outcome === 'stored')).toHaveLength(3000);
      expect(await engine.rows('SELECT count(*) AS n, count(DISTINCT receipt_id) AS receipts FROM crowdtwist_purchases')).toEqual([{ n: 3000, receipts: 3000 }]);
      expect(await engine.rows('SELECT count(*) AS n FROM crowdtwist_items')).toEqual([{ n: 6000 }]);
    } finally {
      await engine.close();
    }
  });

  it.skipIf(skip || name !== 'PostgreSQL')('accepts a receipt once when two files of the partner are processed at once, as by two nodes', async () => {
    const engine = await open();
    try {
      const firstHolds = gate();
      const firstRead = gate();
      const first = engine.store.transaction(async (tx) => {
        const outcomes = await runFile(tx, 1, [[purchase('r1')]]);
        firstRead.open();
        await firstHolds.wait;
        return outcomes;
      });
      await firstRead.wait;
      const second = engine.store.transaction((tx) => runFile(tx, 2, [[purchase('r1'), giveBack('x1', 'r1', 1)]]));
      await lockWaiters(engine);
      firstHolds.open();
      expect(await first).toEqual(['stored']);
      expect(await second).toEqual(['duplicate_receipt_id', 'stored']);
      expect(await engine.rows('SELECT receipt_id, file_id FROM crowdtwist_purchases')).toEqual([{ receipt_id: 'r1', file_id: 1 }]);
    } finally {
      await engine.close();
    }
  });
});
