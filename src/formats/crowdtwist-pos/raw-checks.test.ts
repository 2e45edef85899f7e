import { describe, expect, it } from 'vitest';
import { rawProblems } from './raw-checks.js';

function element(text: string, writtenKeys: number) {
  return { index: 0, text, value: JSON.parse(text) as unknown, writtenKeys };
}

describe('rawProblems', () => {
  it('finds nothing in an ordinary request', () => {
    const text = '{"type":"purchase","data":{"user_id":9007199254740991,"total":1e300,"n":-9007199254740991}}';
    expect(rawProblems(element(text, 5))).toEqual([]);
  });

  it('names an integer beyond 2^53 with its digits as written, wherever it is', () => {
    const text = '{"data":{"user_id":12345678901234567890,"custom_data":{"ids":[1,-9007199254740993]}}}';
    expect(rawProblems(element(text, 4))).toEqual([
      {
        field: 'data.user_id',
        code: 'unsafe_integer',
        message: 'data.user_id is 12345678901234567890, beyond ±9007199254740991 (2^53 − 1): it cannot be stored without rounding; send it as a string',
        value: '12345678901234567890',
      },
      expect.objectContaining({ field: 'data.custom_data.ids[1]', value: '-9007199254740993' }),
    ]);
  });

  it('lets a large number written as a decimal or with an exponent through', () => {
    expect(rawProblems(element('{"total":12345678901234567890.5,"x":1.5e20}', 2))).toEqual([]);
  });

  it('names a key written twice, with its path', () => {
    const text = '{"type":"purchase","data":{"items":[{"sku":"a","sku":"b"}],"receipt_id":"r","receipt_id":"r"}}';
    expect(rawProblems(element(text, 7)).map((problem) => [problem.field, problem.code])).toEqual([
      ['data.items[0].sku', 'duplicate_key'],
      ['data.receipt_id', 'duplicate_key'],
    ]);
  });

  it('looks into no field posdrop does not know: it is kept as written, nothing is lost', () => {
    const text = '{"data":{"loyalty":12345678901234567890,"meta":{"a":1,"a":[-9007199254740993]},"user_id":9007199254740993,"x":1,"x":2}}';
    const problems = rawProblems(element(text, 7), ['data.loyalty', 'data.meta', 'data.x']);
    // The unknown key written twice still loses a value; inside an unknown value nothing does.
    expect(problems.map((problem) => [problem.field, problem.code])).toEqual([
      ['data.user_id', 'unsafe_integer'],
      ['data.x', 'duplicate_key'],
    ]);
    expect(rawProblems(element('{"data":{"metadata":12345678901234567890}}', 2), ['data.meta'])).toHaveLength(1);
  });
});
