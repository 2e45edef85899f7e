/** One contract for the Client Toolbox ledger on both engines: customers, balances read back in the batch, undo, and two batches at once. */
import { afterAll, describe, expect, it } from 'vitest';
import { enginesFor, stopEngines } from '../../../test/support/engine-stores.js';
import { gate, lockWaiters } from '../../../test/support/lock-waiters.js';
import type { StoreTx } from '../../store/store.js';
import { addCustomers } from './customers.js';
import { openToolboxLedger, toolboxBalances, type NewEntry } from './ledger.js';
import { undoBatch, undoFile } from './undo.js';

afterAll(stopEngines);

const AT = '2026-01-02T10:00:00.000Z';
const key = (code: string, campaign = 'K1') => ({ partner: 'acme', campaign, code, product: '' });
const entry = (fileId: number, line: number, code: string, delta: number): NewEntry => ({
  ...key(code), fileId, line, kind: delta < 0 ? 'redeem' : 'earn', amount: String(Math.abs(delta) / 100), delta, date: '2026-01-02', authorization: 'a\tb', promoIds: '', at: AT,
});
const options = { campaigns: [{ id: 'K1', type: 'points' }], create_new_customers: true, apply_ratio: false, allow_undo: true } as never;

/** A redemption as a batch line does it: the balance read (after its piece is prepared), then posted if it covers it. */
async function redeem(tx: StoreTx, fileId: number, code: string, size: number): Promise<number | 'over'> {
  const ledger = await openToolboxLedger(tx.handle, 'acme');
  await ledger.prepare?.([code]);
  const balance = ledger.balance(key(code));
  if (size > balance) return 'over';
  ledger.post(entry(fileId, 2, code, -size));
  await ledger.flush(true);
  return balance - size;
}

describe.each(enginesFor('toolbox ledger'))('Client Toolbox ledger on %s', (name, open, skip) => {
  it.skipIf(skip)("finds customers by code before card number, and reads the batch's own customers and balances back", async () => {
    const engine = await open();
    try {
      await addCustomers(engine.store, {
        partner: 'acme', options, by: 'ops', at: AT,
        customers: [{ line: 2, code: 'C1', cardNumber: 'K-9', balances: [{ campaign: 'K1', product: '', amount: '15' }] }, { line: 3, code: 'K-9x', cardNumber: 'C1x', balances: [] }],
      });
      await engine.store.transaction(async (tx) => {
        const ledger = await openToolboxLedger(tx.handle, 'acme');
        await ledger.prepare?.(['C1', 'K-9', 'nobody', 'C1x']);
        expect(ledger.customerCode('acme', 'C1')).toBe('C1');
        expect(ledger.customerCode('acme', 'K-9')).toBe('C1');
        expect(ledger.customerCode('acme', 'C1x')).toBe('K-9x');
        expect(ledger.customerCode('acme', 'nobody')).toBeUndefined();
        expect(ledger.balance(key('C1'))).toBe(1500);
        ledger.addCustomer('acme', 'nobody', 1, AT);
        expect(ledger.customerCode('acme', 'nobody')).toBe('nobody');
        expect(ledger.balance(key('nobody'))).toBe(0);
        ledger.post(entry(1, 2, 'nobody', 700));
        ledger.post(entry(1, 3, 'C1', -400));
        await ledger.flush(false);
        expect(ledger.balance(key('nobody'))).toBe(700);
        expect(ledger.balance(key('C1'))).toBe(1100);
        await ledger.flush(true);
        expect(await ledger.linesOfFile(1)).toEqual(expect.arrayContaining([2, 3]));
      });
      await expect(
        addCustomers(engine.store, { partner: 'acme', options, by: 'ops', at: AT, customers: [{ line: 5, code: 'K-9', balances: [] }] }),
      ).rejects.toThrow('line 5: code K-9 is already a customer of acme');
      const balances = await engine.store.rolledBack((tx) => toolboxBalances(tx.handle, 'acme'));
      expect(balances.map((row) => [row.code, row.balance])).toEqual([['C1', 1100], ['nobody', 700]]);
      expect(await engine.rows("SELECT code, kind, delta, \"authorization\" AS auth FROM toolbox_entries WHERE file_id = 1 ORDER BY line")).toEqual([
        { code: 'nobody', kind: 'earn', delta: 700, auth: 'a\tb' },
        { code: 'C1', kind: 'redeem', delta: -400, auth: 'a\tb' },
      ]);
    } finally {
      await engine.close();
    }
  });

  it.skipIf(skip)('undoes a batch once, and refuses an undo a later redemption depends on', async () => {
    const engine = await open();
    try {
      await engine.store.transaction(async (tx) => {
        const ledger = await openToolboxLedger(tx.handle, 'acme');
        ledger.addCustomer('acme', 'C1', 1, AT);
        ledger.addCustomer('acme', 'C2', 1, AT);
        ledger.post(entry(1, 2, 'C1', 1000));
        ledger.post(entry(1, 3, 'C2', 500));
        await ledger.flush(true);
      });
      expect(await engine.store.transaction((tx) => redeem(tx, 2, 'C1', 800))).toBe(200);
      const file = (id: number) => ({ id, name: `f${id}.csv`, partner: 'acme', format: 'clienttoolbox-transactions', state: 'processed' }) as never;
      const undo = { allowUndo: true, by: 'ops', reason: 'sent twice', at: AT };
      await expect(undoFile(engine.store, { ...undo, file: file(1) })).rejects.toThrow('cannot undo: line 2 of f2.csv redeems points of customer C1');
      expect(await undoFile(engine.store, { ...undo, file: file(2) })).toBe(1);
      expect(await undoFile(engine.store, { ...undo, file: file(1) })).toBe(2);
      await expect(undoFile(engine.store, { ...undo, file: file(1) })).rejects.toThrow('this batch was already undone by ops');
      const balances = await engine.store.rolledBack((tx) => toolboxBalances(tx.handle, 'acme'));
      expect(balances.map((row) => [row.code, row.balance])).toEqual([['C1', 0], ['C2', 0]]);
      expect(await engine.rows("SELECT file_id, detail FROM file_events WHERE detail LIKE 'undone%' ORDER BY file_id")).toEqual([
        { file_id: 1, detail: 'undone: ops reversed 2 entries (sent twice)' },
        { file_id: 2, detail: 'undone: ops reversed 1 entry (sent twice)' },
      ]);
      // a rolled-back undo leaves nothing
      await engine.store.rolledBack(async (tx) => undoBatch(await openToolboxLedger(tx.handle, 'acme'), { fileId: 3, partner: 'acme', by: 'x', reason: 'y', at: AT }, async () => ''));
      expect(await engine.rows('SELECT file_id FROM toolbox_undos ORDER BY file_id')).toEqual([{ file_id: 1 }, { file_id: 2 }]);
    } finally {
      await engine.close();
    }
  });

  it.skipIf(skip || name !== 'PostgreSQL')('pays one balance once when two batches of the partner redeem it at once, as on two nodes', async () => {
    const engine = await open();
    try {
      await addCustomers(engine.store, { partner: 'acme', options, by: 'ops', at: AT, customers: [{ line: 2, code: 'C1', balances: [{ campaign: 'K1', product: '', amount: '10' }] }] });
      const firstHolds = gate();
      const firstRead = gate();
      const first = engine.store.transaction(async (tx) => {
        const left = await redeem(tx, 1, 'C1', 800);
        firstRead.open();
        await firstHolds.wait;
        return left;
      });
      await firstRead.wait;
      const second = engine.store.transaction((tx) => redeem(tx, 2, 'C1', 800));
      await lockWaiters(engine);
      firstHolds.open();
      expect(await first).toBe(200);
      expect(await second).toBe('over');
      const balances = await engine.store.rolledBack((tx) => toolboxBalances(tx.handle, 'acme'));
      expect(balances.map((row) => row.balance)).toEqual([200]);
    } finally {
      await engine.close();
    }
  });
});
