import { describe, expect, it } from 'vitest';
import { FileRejected } from '../../core/errors.js';
import { PosDataReader, type PosElement, type ReaderLimits } from './pos-data-reader.js';

const LIMITS: ReaderLimits = { maxDepth: 8, maxStringChars: 40, maxRecordChars: 200 };

function read(pieces: string[], limits = LIMITS): PosElement[] {
  const elements: PosElement[] = [];
  const reader = new PosDataReader(limits, (element) => elements.push(element));
  for (const piece of pieces) reader.push(piece);
  reader.end();
  return elements;
}

function refusal(pieces: string[], limits = LIMITS): FileRejected {
  try {
    read(pieces, limits);
  } catch (err) {
    if (err instanceof FileRejected) return err;
    throw err;
  }
  throw new Error('the document was accepted');
}

const DOCUMENT = `{
  "pos_data": [
    {"type": "purchase", "data": {"receipt_id": "r\\"1]}", "items": [{"sku": "a\\\\"}]}},
    {"type": "return",
     "data": {"note": "é😀 {[\\u0041", "n": -1.5e3}},
    7, "text", null
  ],
  "trailer": {"pos_data_like": [1, {"x": "]"}]}
}
`;

describe('PosDataReader', () => {
  it('gives every element as written and parsed, with its index', () => {
    const elements = read([DOCUMENT]);
    expect(elements.map((element) => element.index)).toEqual([0, 1, 2, 3, 4]);
    expect(elements[0]?.text).toBe('{"type": "purchase", "data": {"receipt_id": "r\\"1]}", "items": [{"sku": "a\\\\"}]}}');
    expect(elements[0]?.value).toEqual({ type: 'purchase', data: { receipt_id: 'r"1]}', items: [{ sku: 'a\\' }] } });
    expect(elements[1]?.value).toEqual({ type: 'return', data: { note: 'é😀 {[A', n: -1500 } });
    expect(elements.slice(2).map((element) => element.value)).toEqual([7, 'text', null]);
  });

  it('gives the same elements wherever the pieces are cut', () => {
    const whole = read([DOCUMENT]);
    for (let cut = 1; cut < DOCUMENT.length; cut++) {
      expect(read([DOCUMENT.slice(0, cut), DOCUMENT.slice(cut)])).toEqual(whole);
    }
    expect(read([...DOCUMENT])).toEqual(whole);
  });

  it('counts the keys as written, so that a duplicate key can be noticed', () => {
    const [element] = read(['{"pos_data": [{"a": 1, "a": 2, "b": {"c": ":"}}]}']);
    expect(element?.writtenKeys).toBe(4);
    expect(element?.value).toEqual({ a: 2, b: { c: ':' } });
  });

  it('accepts an empty pos_data', () => {
    expect(read(['{"pos_data":[]}'])).toEqual([]);
  });

  it('wants pos_data as the first key, an array, and only once', () => {
    expect(refusal(['{"other": 1, "pos_data": []}']).message).toBe(
      'pos_data must be the first key of the JSON object, but the first key is "other" (line 1, column 2)',
    );
    expect(refusal(['{"pos_data": {}}']).message).toMatch(/^pos_data must be an array, but its value starts with '\{'/);
    expect(refusal(['{"pos_data": [], "pos_data": []}']).code).toBe('invalid_content');
    expect(refusal(['[{"pos_data": []}]']).message).toMatch(/must be a JSON object that starts with \{"pos_data": \[/);
  });

  it('refuses malformed JSON with line and column, inside an element too', () => {
    const broken = refusal(['{"pos_data": [\n  {"a": 1},\n  {"a": 1 "b": 2}\n]}']);
    expect(broken.code).toBe('unparseable');
    expect(broken.message).toBe("malformed JSON in pos_data[1]: expected ',' or '}' after a property value, found '\"' (line 3, column 11)");
    expect(broken.details).toEqual({ line: 3, column: 11 });
    expect(refusal(['{"pos_data": [1,]}']).message).toBe("malformed JSON in pos_data[1]: expected a value, found ']' (line 1, column 17)");
    expect(refusal(['{"pos_data": [{"a": [1}]}']).message).toMatch(/expected '\]' to close the array, found '\}' \(line 1, column 23\)/);
    expect(refusal(['{"pos_data": []} x']).message).toMatch(/expected the end of the file after the JSON object/);
  });

  it('refuses a truncated document, saying where it ends', () => {
    const cut = refusal(['{"pos_data": [\n  {"a": 1},\n  {"a": "x']);
    expect(cut.message).toBe('the JSON ends early (the file may be truncated): a string is not closed (line 3, column 11)');
    expect(refusal(['{"pos_data": [{"a": 1}']).message).toMatch(/the JSON is not closed/);
    expect(refusal(['']).message).toMatch(/pos_data is missing/);
  });

  it('caps nesting, strings and elements before they can fill the memory', () => {
    const deep = `{"pos_data": [${'['.repeat(7)}${']'.repeat(7)}]}`;
    expect(refusal([deep]).code).toBe('too_deep');
    expect(refusal([deep]).message).toBe('the JSON is nested deeper than 8 levels in pos_data[0] (line 1, column 21)');
    expect(read([`{"pos_data": [${'['.repeat(6)}${']'.repeat(6)}]}`])).toHaveLength(1);
    const long = refusal(['{"pos_data": [{"a": "', 'x'.repeat(41)]);
    expect([long.code, long.message]).toEqual(['too_large', 'a string longer than 40 characters in pos_data[0] (line 1, column 21)']);
    const big = refusal(['{"pos_data": [[', '1,'.repeat(150)]);
    expect(big.message).toBe('pos_data[0] is longer than 200 characters (line 1, column 15)');
  });
});
