import { describe, expect, it } from 'vitest';
import { fulfillmentProblems, returnProblems, type BoughtLine } from './relations.js';

const BOUGHT: BoughtLine[] = [
  { sku: 'a', quantity: 2, awaitingFulfillment: false },
  { sku: 'b', quantity: 1, awaitingFulfillment: true },
  { sku: 'a', quantity: 1, awaitingFulfillment: false },
];

const item = (sku: string, quantity: number) => ({ sku, quantity, price: null, extra: null });

describe('returnProblems', () => {
  it('allows returning up to what was bought, over all lines of the sku', () => {
    expect(returnProblems('r1', [item('a', 3), item('b', 1)], BOUGHT, new Map())).toEqual([]);
  });

  it("counts earlier returns and the return's own earlier lines", () => {
    const [problem] = returnProblems('r1', [item('a', 1), item('a', 1)], BOUGHT, new Map([['a', 2]]));
    expect(problem).toEqual({
      field: 'data.items[1].quantity',
      code: 'over_return',
      message: 'returns 1 of a, but receipt r1 bought 3 and 3 were returned before',
      value: 1,
    });
  });

  it('refuses a sku the purchase does not have', () => {
    expect(returnProblems('r1', [item('z', 1)], BOUGHT, new Map()).map((problem) => problem.code)).toEqual(['unknown_sku']);
  });
});

describe('fulfillmentProblems', () => {
  it('fulfills only items awaiting fulfillment, at most their quantity', () => {
    expect(fulfillmentProblems('r1', [item('b', 1)], BOUGHT, new Map())).toEqual([]);
    expect(fulfillmentProblems('r1', [item('a', 1)], BOUGHT, new Map()).map((problem) => problem.code)).toEqual(['not_awaiting_fulfillment']);
    expect(fulfillmentProblems('r1', [item('q', 1)], BOUGHT, new Map()).map((problem) => problem.code)).toEqual(['unknown_sku']);
  });

  it('refuses fulfilling beyond what still awaits it as not_awaiting_fulfillment, saying how many await', () => {
    expect(fulfillmentProblems('r1', [item('b', 1)], BOUGHT, new Map([['b', 1]]))).toEqual([
      {
        field: 'data.items[0].quantity',
        code: 'not_awaiting_fulfillment',
        message: 'fulfills 1 of b, but receipt r1 has 0 awaiting fulfillment (1 bought awaiting it, 1 fulfilled before)',
        value: 1,
      },
    ]);
    const twice = fulfillmentProblems('r1', [item('b', 1), item('b', 1)], BOUGHT, new Map());
    expect(twice.map((problem) => [problem.field, problem.code])).toEqual([['data.items[1].quantity', 'not_awaiting_fulfillment']]);
  });
});
