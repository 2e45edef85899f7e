import { describe, expect, it } from 'vitest';
import type { DelimitedDeclaration } from './declaration.js';
import { LineReader } from './line-reader.js';

const declaration: DelimitedDeclaration = {
  delimiter: ',',
  quoting: 'rfc4180',
  layout: {
    kind: 'header',
    columns: [
      { name: 'ID', kind: 'integer', required: true },
      { name: 'NAME', kind: 'string', required: true },
      { name: 'NOTE', kind: 'string', required: false },
    ],
  },
  shortLines: true,
  errorPolicy: 'skip-line',
  dedupe: { names: 'reusable', records: { kind: 'append' } },
  maxLineChars: 100,
};

describe('LineReader', () => {
  it('maps columns by header, in any order and case', () => {
    const reader = new LineReader(declaration, ',');
    expect(reader.header(['name', 'Id', 'note'])).toEqual([]);
    expect(reader.read(['Ann', '7', 'x'])).toBeUndefined();
    expect(reader.values).toEqual([7, 'Ann', 'x']);
  });
  it('reports duplicate, unknown and missing header names', () => {
    const reader = new LineReader(declaration, ',');
    expect(reader.header(['ID', 'ID', 'COLOUR']).map((problem) => problem.code)).toEqual(['duplicate_header', 'unknown_header', 'missing_header']);
  });
  it('collects every problem of a line, and lets a line stop after its last required column', () => {
    const reader = new LineReader(declaration, ',');
    reader.header(['ID', 'NAME', 'NOTE']);
    expect(reader.read(['x', ''])?.map((problem) => [problem.column, problem.message])).toEqual([
      ['ID', 'ID is not a valid number'],
      ['NAME', 'NAME is required'],
    ]);
    expect(reader.read(['1'])?.[0]).toMatchObject({ code: 'ragged_line', message: 'the line has 1 fields but the header has 3' });
    expect(reader.read(['1', 'a', 'b', 'c'])?.[0]).toMatchObject({ code: 'ragged_line' });
  });
});
