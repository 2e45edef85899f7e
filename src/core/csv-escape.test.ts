import { describe, expect, it } from 'vitest';
import { csvCell, csvRow } from './csv-escape.js';

describe('csvCell', () => {
  it('quotes every cell and doubles inner quotes', () => {
    expect(csvCell('plain')).toBe('"plain"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell(12)).toBe('"12"');
    expect(csvCell(undefined)).toBe('""');
  });
  it.each(['=1+1', '+SUM(A1)', '-2', '@cmd', '\tx', '\rx'])('neutralises %j with a leading quote', (value) => {
    expect(csvCell(value)).toBe(`"'${value}"`);
  });
  it('ends a row with CR LF', () => {
    expect(csvRow(['a', '=b'])).toBe('"a","\'=b"\r\n');
  });
});
