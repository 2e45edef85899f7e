import { describe, expect, it } from 'vitest';
import type { LineProblem } from '../../core/line-problem.js';
import { endsInsideQuotes, RecordSplitter } from './record-splitter.js';

function split(chunks: string[], delimiter = ';', max = 1000) {
  const out: [number, string[] | string][] = [];
  const splitter = new RecordSplitter(delimiter, max, {
    record: (cells, at) => out.push([at.line, [...cells]]),
    broken: (problem: LineProblem, at) => out.push([at.line, problem.code]),
  });
  for (const chunk of chunks) splitter.push(chunk);
  splitter.end();
  return out;
}

describe('RecordSplitter', () => {
  it('splits lines across chunk boundaries, with LF or CR LF, skipping empty lines', () => {
    expect(split(['a;b\r\nc', ';d\n\n', 'e;f'])).toEqual([
      [1, ['a', 'b']],
      [2, ['c', 'd']],
      [4, ['e', 'f']],
    ]);
  });
  it('parses quoted cells, also across lines, numbering the record by its first line', () => {
    expect(split(['x;"a;""b"""\n"multi\nline";2\nz;3\n'])).toEqual([
      [1, ['x', 'a;"b"']],
      [2, ['multi\nline', '2']],
      [4, ['z', '3']],
    ]);
  });
  it('reports lone CR, NUL, bad quotes and over-long lines, and goes on with the next line', () => {
    expect(split(['a\rb;1\nc\0;2\n"x"y;3\n', `${'z'.repeat(30)}`, `${'z'.repeat(30)}\nok;4\n`], ';', 40)).toEqual([
      [1, 'lone_cr'],
      [2, 'nul_byte'],
      [3, 'bad_quotes'],
      [4, 'line_too_long'],
      [5, ['ok', '4']],
    ]);
  });
  it('reports a quote never closed', () => {
    expect(split(['a;"open\nmore\n'])).toEqual([[1, 'unclosed_quote']]);
  });
});

describe('endsInsideQuotes', () => {
  it('knows where a quoted cell may start', () => {
    expect(endsInsideQuotes('a;"b', ';')).toBe(true);
    expect(endsInsideQuotes('a;"b""', ';')).toBe(true);
    expect(endsInsideQuotes('a;"b"', ';')).toBe(false);
    expect(endsInsideQuotes('a;b"c', ';')).toBe(false);
  });
});
