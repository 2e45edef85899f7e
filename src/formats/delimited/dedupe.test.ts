import { describe, expect, it } from 'vitest';
import { carmaPurchaseHistory } from '../carma-purchase-history/spec.js';
import { pbjOfflineSales } from '../pbj-offline-sales/spec.js';
import { PBJ_COLUMNS } from '../pbj-offline-sales/declaration.js';
import { formatDedupe, keyTakenRule } from './dedupe.js';

describe('the dedupe policy', () => {
  it("gives the format's spec its names and append rules, from the declaration alone", () => {
    expect(formatDedupe({ names: 'once', records: { kind: 'unique-key', column: 'K', code: 'dup' } })).toEqual({ namesOnce: true, appendOnly: false });
    expect(formatDedupe({ names: 'reusable', records: { kind: 'append' } })).toEqual({ namesOnce: false, appendOnly: true });
    expect(pbjOfflineSales.dedupe).toEqual({ namesOnce: true, appendOnly: false });
    expect(carmaPurchaseHistory.dedupe).toEqual({ namesOnce: false, appendOnly: true });
  });

  it('words a key already held from the declaration: column, value and the scope the name gives', () => {
    const taken = keyTakenRule({ kind: 'unique-key', column: 'ORDER_ID', scope: 'channel', code: 'duplicate_order_id' }, PBJ_COLUMNS, { channel: 'retail' });
    expect(taken?.([2001, 7])).toEqual({
      column: 'ORDER_ID',
      value: '2001',
      code: 'duplicate_order_id',
      message: 'ORDER_ID 2001 has already been used on channel retail',
      expected: 'a value not used before on this channel',
      duplicate: true,
    });
    const unscoped = keyTakenRule({ kind: 'unique-key', column: 'DRAW_NO', code: 'duplicate_draw' }, PBJ_COLUMNS, null);
    expect(unscoped?.([1, 7])).toMatchObject({ value: '7', message: 'DRAW_NO 7 has already been used' });
  });

  it('has no key rule without a unique key, and refuses a key that is not a column', () => {
    expect(keyTakenRule({ kind: 'append' }, PBJ_COLUMNS, null)).toBeUndefined();
    expect(() => keyTakenRule({ kind: 'unique-key', column: 'NOPE', code: 'x' }, PBJ_COLUMNS, null)).toThrow('NOPE is not a declared column');
  });
});
