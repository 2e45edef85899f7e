import { describe, expect, it } from 'vitest';
import { childPath, WrittenObjects } from './written-members.js';

describe('WrittenObjects', () => {
  const text = '{ "type" : "purchase", "data": {"items": [ {"sku":"a"} , {"sku": "b}\\"", "price" : 1.50, "gift": { "wrap" : [true, 1e3] } } ]}}';

  it('gives each member of the object at a path as written', () => {
    const objects = new WrittenObjects(text);
    expect([...objects.membersAt('data.items[1]')]).toEqual([
      ['sku', '"sku":"b}\\""'],
      ['price', '"price":1.50'],
      ['gift', '"gift":{ "wrap" : [true, 1e3] }'],
    ]);
    expect([...objects.membersAt('')].map(([key]) => key)).toEqual(['type', 'data']);
    expect([...objects.membersAt('data.items[1].gift')]).toEqual([['wrap', '"wrap":[true, 1e3]']]);
  });

  it('keeps the last of a key written twice, as JSON.parse does', () => {
    expect(new WrittenObjects('{"a":1,"b":{"x":0},"b":{"x":12345678901234567890}}').membersAt('b').get('x')).toBe('"x":12345678901234567890');
  });

  it('answers for every object of a large request after one walk of its text', () => {
    // 20,000 items with a field of their own: walking the text from the top for each one would
    // take about 20,000 × 1 MB of steps; found once, each answer reads its own item only.
    const items = Array.from({ length: 20_000 }, (_, i) => `{"sku":"s${i}","price":1.50,"gift":"wrap ${i}"}`);
    const objects = new WrittenObjects(`{"data":{"items":[${items.join(',')}]}}`);
    for (let i = 0; i < 20_000; i += 1) expect(objects.membersAt(`data.items[${i}]`).get('gift')).toBe(`"gift":"wrap ${i}"`);
  });

  it('names paths the way error messages do', () => {
    expect([childPath('', 'data'), childPath('data', 'items'), childPath('data.items', 3)]).toEqual(['data', 'data.items', 'data.items[3]']);
  });
});
