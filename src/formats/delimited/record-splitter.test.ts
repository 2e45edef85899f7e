import { describe, expect, it } from 'vitest';
import type { LineProblem } from '../../core/line-problem.js';
import type { Quoting } from './declaration.js';
import { endsInsideQuotes, RecordSplitter } from './record-splitter.js';

function split(chunks: string[], { delimiter = ';', max = 1000, quoting = 'rfc4180' as Quoting } = {}) {
  const out: [number, string[] | string][] = [];
  const splitter = new RecordSplitter(
    { delimiter, maxLineChars: max, quoting },
    {
      record: (cells, at) => out.push([at.line, [...cells]]),
      broken: (problem: LineProblem, at) => out.push([at.line, problem.code]),
    },
  );
  for (const chunk of chunks) splitter.push(chunk);
  splitter.end();
  return out;
}

/** A small seeded generator (mulberry32), so that a failing case can be made again from its number. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = Math.imul(state ^ (state >>> 15), state | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('RecordSplitter', () => {
  it('splits lines across chunk boundaries, with LF or CR LF, skipping empty lines', () => {
    expect(split(['a;b\r\nc', ';d\n\n', 'e;f'])).toEqual([
      [1, ['a', 'b']],
      [2, ['c', 'd']],
      [4, ['e', 'f']],
    ]);
  });

  it('parses quoted cells within a line where the format quotes', () => {
    expect(split(['x;"a;""b"""\n"";2\nz;3\n'])).toEqual([
      [1, ['x', 'a;"b"']],
      [2, ['', '2']],
      [3, ['z', '3']],
    ]);
  });

  it('ends a quoted cell left open with its own line: the next lines are read as they are', () => {
    expect(split(['a;"open\nb;2\n"multi\nline";3\n'])).toEqual([
      [1, 'unclosed_quote'],
      [2, ['b', '2']],
      [3, 'unclosed_quote'],
      [4, 'bad_quotes'],
    ]);
  });

  it('takes a quote as a character like any other where the format has no quoting', () => {
    const none = { quoting: 'none' as Quoting };
    expect(split(['o-1;TV 5" screen;10.00\n', 'o-2;"half;2\n', '"a";b""\n'], none)).toEqual([
      [1, ['o-1', 'TV 5" screen', '10.00']],
      [2, ['o-2', '"half', '2']],
      [3, ['"a"', 'b""']],
    ]);
  });

  it('reports lone CR, NUL, bad quotes and over-long lines, and goes on with the next line', () => {
    expect(split(['a\rb;1\nc\0;2\n"x"y;3\n', `${'z'.repeat(30)}`, `${'z'.repeat(30)}\nok;4\n`], { max: 40 })).toEqual([
      [1, 'lone_cr'],
      [2, 'nul_byte'],
      [3, 'bad_quotes'],
      [4, 'line_too_long'],
      [5, ['ok', '4']],
    ]);
  });

  it('answers every non-empty physical line exactly once, at its own number, whatever the text', () => {
    const alphabet = ['a', '7', ' ', ';', ',', '|', '\t', '"', '""', '\n', '\n', '\r', '\r\n', '\0', 'é', '😀', '\uFEFF'];
    for (let seed = 1; seed <= 2000; seed += 1) {
      const next = random(seed);
      let text = '';
      for (let i = Math.floor(next() * 120); i > 0; i -= 1) text += alphabet[Math.floor(next() * alphabet.length)];
      const chunks: string[] = [];
      for (let pos = 0; pos < text.length; ) {
        const size = 1 + Math.floor(next() * 40);
        chunks.push(text.slice(pos, pos + size));
        pos += size;
      }
      const expected = text
        .split('\n')
        .map((line, index) => [index + 1, line] as const)
        .filter(([, line]) => line !== '' && line !== '\r')
        .map(([number]) => number);
      for (const quoting of ['rfc4180', 'none'] as const) {
        const answered = split(chunks, { delimiter: next() < 0.5 ? ';' : ',', max: 30, quoting }).map(([line]) => line);
        expect(answered, `seed ${seed}, ${quoting}: ${JSON.stringify(text)}`).toEqual(expected);
      }
    }
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
