import { describe, expect, it } from 'vitest';
import type { Entry } from './ledger.js';
import { dependentRedemption } from './undo.js';

let id = 0;
const entry = (fileId: number, line: number, delta: number, kind: Entry['kind'] = delta < 0 ? 'redeem' : 'earn', undoes: number | null = null): Entry => ({
  id: (id += 1),
  fileId,
  line,
  delta,
  kind,
  undoes,
  partner: 'p',
  campaign: 'K',
  code: 'c',
  product: '',
});

describe('dependentRedemption', () => {
  it('finds a later redemption that only the batch paid for', () => {
    expect(dependentRedemption([entry(1, 2, 100), entry(2, 2, -80)], 1)).toEqual({ fileId: 2, line: 2 });
  });
  it('lets a batch go when the rest still covers every redemption', () => {
    expect(dependentRedemption([entry(1, 2, 100), entry(3, 2, 100), entry(2, 2, -80)], 1)).toBeUndefined();
  });
  it('ignores redemptions already undone', () => {
    const spend = entry(2, 2, -80);
    expect(dependentRedemption([entry(1, 2, 100), spend, entry(2, 2, 80, 'undo', spend.id)], 1)).toBeUndefined();
  });
});
