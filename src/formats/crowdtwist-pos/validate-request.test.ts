import { describe, expect, it } from 'vitest';
import { isIsoTimestamp } from './field-checks.js';
import { validateRequest } from './validate-request.js';

const PURCHASE = {
  type: 'purchase',
  data: {
    receipt_id: 'r1',
    order_id: 'o1',
    user_id: 46038266,
    total: 119.64,
    subtotal: 110.78,
    date_purchased: '2017-05-08T10:25:43.511+00:00',
    channel_id: 1,
    currency: 'USD',
    custom_data: { store_loc: 'store1' },
    items: [{ sku: 'sku_1', price: 21.22, quantity: 2, transaction_id: 2, custom_data: { color: 'blue' }, is_awaiting_fulfillment: true }],
    tenders: [{ type: 1, amount: 20 }],
    coupons: ['c1'],
  },
};

const withData = (data: Record<string, unknown>) => ({ ...PURCHASE, data: { ...PURCHASE.data, ...data } });
const codes = (value: unknown) => validateRequest(value).problems.map((problem) => `${problem.field}: ${problem.code}`);

describe('validateRequest', () => {
  it('reads a complete purchase into what the tables store', () => {
    const checked = validateRequest(PURCHASE);
    expect(checked.problems).toEqual([]);
    expect(checked.request).toEqual({
      kind: 'purchase',
      receiptId: 'r1',
      orderId: 'o1',
      userId: 46038266,
      total: 119.64,
      subtotal: 110.78,
      datePurchased: '2017-05-08T10:25:43.511+00:00',
      channelId: 1,
      currency: 'USD',
      customData: '{"store_loc":"store1"}',
      items: [{ sku: 'sku_1', price: 21.22, quantity: 2, transactionId: 2, customData: '{"color":"blue"}', awaitingFulfillment: true, extra: null }],
      tenders: [{ type: 1, amount: 20, extra: null }],
      coupons: ['c1'],
      extra: null,
      requestExtra: null,
    });
  });

  it('accepts a purchase without custom_data, tenders or coupons', () => {
    const { custom_data: _c, tenders: _t, coupons: _k, ...data } = PURCHASE.data;
    expect(validateRequest({ type: 'purchase', data }).problems).toEqual([]);
  });

  it('names every missing field and wrong type with its path', () => {
    const { receipt_id: _r, ...data } = PURCHASE.data;
    expect(codes({ type: 'purchase', data: { ...data, user_id: '46038266', items: [{ sku: 'a', price: -1, quantity: 0 }, 'x'] } })).toEqual([
      'data.receipt_id: missing_field',
      'data.user_id: invalid_type',
      'data.items[0].price: invalid_value',
      'data.items[0].quantity: invalid_value',
      'data.items[1]: invalid_type',
    ]);
    expect(validateRequest(withData({ total: '12' })).problems[0]?.message).toBe('data.total must be a number, not the string "12"');
    expect(validateRequest(withData({ items: [] })).problems[0]?.message).toBe('data.items must hold at least 1 element; found an array');
  });

  it('wants numbers that SQLite can hold as they are', () => {
    const items = [{ sku: 'a', price: 1, quantity: 1e20, transaction_id: 1e300 }];
    expect(codes(withData({ user_id: 2 ** 60, total: Infinity, items }))).toEqual([
      'data.user_id: invalid_value',
      'data.total: invalid_value',
      'data.items[0].transaction_id: invalid_type',
      'data.items[0].quantity: invalid_value',
    ]);
  });

  it('checks dates, currencies and coupons', () => {
    expect(codes(withData({ date_purchased: '2017-05-08 10:25', currency: 'usd', coupons: [1] }))).toEqual([
      'data.date_purchased: invalid_value',
      'data.currency: invalid_value',
      'data.coupons[0]: invalid_type',
    ]);
  });

  it('refuses text with a NUL character in it, wherever it is', () => {
    const item = { ...PURCHASE.data.items[0], sku: 'sku\u0000', transaction_id: 't\u0000' };
    const checked = validateRequest(withData({ receipt_id: 'r\u00001', coupons: ['c\u0000'], items: [item] }));
    expect(checked.problems.map((problem) => `${problem.field}: ${problem.code}`)).toEqual([
      'data.receipt_id: nul_byte',
      'data.items[0].transaction_id: nul_byte',
      'data.items[0].sku: nul_byte',
      'data.coupons[0]: nul_byte',
    ]);
    expect(checked.problems[0]!.message).toBe('data.receipt_id contains a NUL character (\\u0000); expected text without it');
    expect(checked.request).toBeUndefined();
  });

  it('fails an unknown type, and keeps the ids it could read', () => {
    const checked = validateRequest({ type: 'refund', data: { receipt_id: 'r9' } });
    expect(checked.problems).toEqual([
      { field: 'type', code: 'unknown_type', message: 'type must be one of purchase, return, fulfillment; found "refund"', value: 'refund' },
    ]);
    expect(checked).toMatchObject({ type: 'refund', receiptId: 'r9' });
    expect(checked.request).toBeUndefined();
  });

  it('fails an element that is not an object', () => {
    expect(validateRequest(7).problems).toEqual([
      { field: '', code: 'invalid_type', message: 'each element of pos_data must be an object with type and data, not the number 7', value: 7 },
    ]);
    expect(codes({ data: {} })).toEqual(['type: missing_field']);
  });

  it('keeps unknown fields as written, __proto__ included, at every level', () => {
    const text =
      '{"type":"purchase","source":"pos-7","data":' +
      JSON.stringify({ ...PURCHASE.data, items: [{ sku: 'a', price: 1, quantity: 1 }], tenders: [{ type: 1, amount: 20 }] })
        .slice(0, -1)
        .replace('"quantity":1}', '"quantity":1,"gift":{ "wrap" : true, "cost": 1.50 }}')
        .replace('"amount":20}', '"amount":20,"terminal":7.10E+0,"card":{"bin":123456789012345678901}}') +
      ',"loyalty_tier":"gold","__proto__":{"admin":true}}}';
    const checked = validateRequest(JSON.parse(text), text);
    expect(checked.problems).toEqual([]);
    expect(checked.request).toMatchObject({ requestExtra: '{"source":"pos-7"}', extra: '{"loyalty_tier":"gold","__proto__":{"admin":true}}' });
    const request = checked.request?.kind === 'purchase' ? checked.request : undefined;
    expect(request?.items[0]?.extra).toBe('{"gift":{ "wrap" : true, "cost": 1.50 }}');
    expect(request?.tenders[0]?.extra).toBe('{"terminal":7.10E+0,"card":{"bin":123456789012345678901}}'.replace('0007e0', '0007e0'));
    expect(checked.unknownFields).toEqual(['source', 'data.items[0].gift', 'data.tenders[0].terminal', 'data.tenders[0].card', 'data.loyalty_tier', 'data.__proto__']);
    expect(({} as Record<string, unknown>).admin).toBeUndefined();
  });

  it('reads returns and fulfillments', () => {
    const ret = validateRequest({ type: 'return', data: { receipt_id: 'r1', return_id: 'x1', date_returned: '2017-05-09T10:00:00Z', items: [{ sku: 'a', quantity: 1, price: 2.5 }] } });
    expect(ret).toMatchObject({ returnId: 'x1', request: { kind: 'return', items: [{ sku: 'a', quantity: 1, price: 2.5, extra: null }] } });
    const ful = validateRequest({ type: 'fulfillment', data: { receipt_id: 'r1', fulfillment_id: 'f1', date_fulfilled: '2017-05-09T10:00:00-05:00', items: [{ sku: 'a', quantity: 0 }] } });
    expect(ful.problems.map((problem) => problem.field)).toEqual(['data.items[0].quantity']);
    expect(ful.fulfillmentId).toBe('f1');
  });
});

describe('isIsoTimestamp', () => {
  it('wants a real date and time with an offset', () => {
    for (const good of ['2017-05-08T10:25:43.511+00:00', '2017-05-08T10:25:43Z', '2017-05-08T10:25-05:30', '2016-02-29T23:59:59.123456789+14:00']) {
      expect(isIsoTimestamp(good)).toBe(true);
    }
    for (const bad of ['2017-05-08T10:25:43', '2017-05-08', '2017-02-29T10:00Z', '2017-05-08T24:00Z', '2017-05-08T10:60Z', '2017-05-08 10:25Z']) {
      expect(isIsoTimestamp(bad)).toBe(false);
    }
  });
});
