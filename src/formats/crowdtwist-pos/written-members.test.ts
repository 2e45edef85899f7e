import { describe, expect, it } from 'vitest';
import { writtenMembers } from './written-members.js';

describe('writtenMembers', () => {
  const text = '{ "type" : "purchase", "data": {"items": [ {"sku":"a"} , {"sku": "b}\\"", "price" : 1.50, "gift": { "wrap" : [true, 1e3] } } ]}}';

  it('gives each member of the object at a path as written', () => {
    expect([...writtenMembers(text, ['data', 'items', 1])]).toEqual([
      ['sku', '"sku":"b}\\""'],
      ['price', '"price":1.50'],
      ['gift', '"gift":{ "wrap" : [true, 1e3] }'],
    ]);
    expect([...writtenMembers(text, [])].map(([key]) => key)).toEqual(['type', 'data']);
  });

  it('keeps the last of a key written twice, as JSON.parse does', () => {
    expect(writtenMembers('{"a":1,"b":{"x":0},"b":{"x":12345678901234567890}}', ['b']).get('x')).toBe('"x":12345678901234567890');
  });
});
