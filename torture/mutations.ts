/**
 * Mutations of a partner's file, from a seeded generator: input `n` of a run is always the same
 * bytes, so a crash found once can be made again. Pure: no I/O.
 */
import type { Random } from '../bench/support/seeded-random.js';

const int = (random: Random, below: number): number => Math.floor(random() * below);
const pick = <T>(random: Random, items: readonly T[]): T => items[int(random, items.length)] as T;

/** A byte position in `data` (its length included: an insertion may go at the end). */
const at = (random: Random, data: Buffer): number => int(random, data.length + 1);

/** A span of `data` of at most `max` bytes: [start, end). */
function span(random: Random, data: Buffer, max = 256): [number, number] {
  const start = int(random, data.length);
  return [start, Math.min(data.length, start + 1 + int(random, max))];
}

const insert = (data: Buffer, position: number, bytes: Buffer): Buffer =>
  Buffer.concat([data.subarray(0, position), bytes, data.subarray(position)]);

const replace = (data: Buffer, [start, end]: [number, number], bytes: Buffer): Buffer =>
  Buffer.concat([data.subarray(0, start), bytes, data.subarray(end)]);

/** Byte sequences that are not UTF-8: a lone continuation, a truncated sequence, overlong forms, a surrogate, bytes never used. */
const INVALID_UTF8 = ['80', 'c3', 'c328', 'e282', 'f09f98', 'c0af', 'e080af', 'eda080', 'f4908080', 'fe', 'ff'].map((hex) => Buffer.from(hex, 'hex'));

/** Characters that mean something to some parser: delimiters, quotes, line ends, NUL, a BOM, JSON's brackets. */
const SPECIAL = [',', ';', '|', '\t', '"', "'", '\n', '\r', '\r\n', '\0', '\\', '\uFEFF', '{', '}', '[', ']', ':', '=', '+', '-', '@'];

/** Numbers that stress conversions: past 2^53, past a double, negative zero, exponents, not numbers. */
/** Ordinary text for random lines: letters, digits, a space, a point, a decimal comma's digits, a few letters beyond ASCII. */
const RANDOM_TEXT = ['a', 'Z', '0', '7', ' ', '.', 'é', '€', '😀', '5" screen', '""', 'x"'];

const AWKWARD_NUMBERS = ['9007199254740993', '-9007199254740993', '1e309', '-1e309', '-0', '0.0000000000000000000001', '1E+2', '0x1F', 'NaN', 'Infinity', '00000000000000000001', '1,000.50', '1.000,50', '.', '-', '1e', '18446744073709551616'];

/**
 * Values a field may be replaced with: each valid JSON and a plausible cell, each wrong somewhere
 * (a type, a range, a date, a size), so that the input still parses and the record checks decide.
 */
const AWKWARD_VALUES = [
  'null', 'true', 'false', '""', '0', '-1', '1.5', '[]', '{}', '[1,2]', '{"a":1}', '"x"', '"2013-0315"', '"2020-02-30"',
  '"2017-05-08T10:25:43"', '"9999-12-31T23:59:59+14:00"', '"USD "', '"usd"', '"purchase"', '"return"', '"fulfillment"', '"refund"',
  '"__proto__"', '"\\u0000"', '"😀"', '"\\ud800"', '"e\\u0301"', `"${'x'.repeat(300)}"`, '9007199254740993', '1e400', '-0', '0.1e-400',
  '14,95', '.75', '0,50', 'Y', 'N', 'y', '2010-03-15', '2014-03-12 15:00:00', '2014-13-12 25:61:61', 'NaN', '-Infinity',
];

/** A JSON string, number or literal, or a run of text between delimiters: what a field's value looks like. */
const TOKEN = /"(?:[^"\\\n]|\\.)*"|[^\s,;|\t{}[\]:"]+/g;

/** One change of `data`. Each is a kind of damage a real file can carry. */
export const MUTATIONS = {
  /** One value replaced by another that still parses: the record checks must catch it. */
  replaceValue(random: Random, data: Buffer): Buffer {
    const text = data.toString('latin1');
    const tokens = [...text.matchAll(TOKEN)];
    if (tokens.length === 0) return data;
    const token = pick(random, tokens);
    const start = token.index ?? 0;
    return replace(data, [start, start + token[0].length], Buffer.from(pick(random, AWKWARD_VALUES), 'utf8'));
  },
  bitFlip(random: Random, data: Buffer): Buffer {
    if (data.length === 0) return data;
    const copy = Buffer.from(data);
    const flips = 1 + int(random, 8);
    for (let i = 0; i < flips; i += 1) {
      const position = int(random, copy.length);
      copy[position] = (copy[position] as number) ^ (1 << int(random, 8));
    }
    return copy;
  },
  truncate(random: Random, data: Buffer): Buffer {
    return data.subarray(0, int(random, data.length));
  },
  deleteSpan(random: Random, data: Buffer): Buffer {
    return data.length === 0 ? data : replace(data, span(random, data), Buffer.alloc(0));
  },
  duplicateSpan(random: Random, data: Buffer): Buffer {
    if (data.length === 0) return data;
    const [start, end] = span(random, data, 2048);
    // Sometimes many times over: long lines, huge records, repeated keys and ids.
    const times = random() < 0.1 ? 1 + int(random, 2000) : 1 + int(random, 3);
    const copies = Buffer.concat(Array.from({ length: times }, () => data.subarray(start, end)));
    return insert(data, at(random, data), copies);
  },
  hugeNumber(random: Random, data: Buffer): Buffer {
    const text = data.toString('latin1');
    const digits = [...text.matchAll(/\d+/g)];
    const huge = random() < 0.5 ? pick(random, AWKWARD_NUMBERS) : '9'.repeat(16 + int(random, 400));
    if (digits.length === 0) return insert(data, at(random, data), Buffer.from(huge, 'latin1'));
    const match = pick(random, digits);
    const start = match.index ?? 0;
    return replace(data, [start, start + match[0].length], Buffer.from(huge, 'latin1'));
  },
  deepNesting(random: Random, data: Buffer): Buffer {
    const depth = random() < 0.2 ? 10_000 + int(random, 100_000) : 2 + int(random, 64);
    const [open, close] = pick(random, [['[', ']'], ['{"a":', '}'], ['"', '"']] as const);
    const closed = random() < 0.5;
    const nested = open.repeat(depth) + (closed ? close.repeat(depth) : '');
    return insert(data, at(random, data), Buffer.from(nested, 'latin1'));
  },
  invalidUtf8(random: Random, data: Buffer): Buffer {
    return insert(data, at(random, data), pick(random, INVALID_UTF8));
  },
  specialCharacter(random: Random, data: Buffer): Buffer {
    const bytes = Buffer.from(pick(random, SPECIAL), 'utf8');
    return random() < 0.5 || data.length === 0 ? insert(data, at(random, data), bytes) : replace(data, span(random, data, 4), bytes);
  },
  /** Every occurrence of one structural character becomes another: a file in the wrong dialect. */
  swapDelimiter(random: Random, data: Buffer): Buffer {
    const from = pick(random, [',', ';', '|', '\t', '\n', '"', ':']);
    const to = pick(random, SPECIAL);
    return Buffer.from(data.toString('latin1').split(from).join(to), 'latin1');
  },
  /** A key or header that would pollute a prototype if used as one. */
  prototypeKey(random: Random, data: Buffer): Buffer {
    const key = pick(random, ['__proto__', 'constructor', 'prototype', 'hasOwnProperty']);
    const text = data.toString('latin1');
    const words = [...text.matchAll(/[A-Za-z_]{3,}/g)];
    if (words.length === 0) return insert(data, 0, Buffer.from(key));
    const word = pick(random, words);
    const start = word.index ?? 0;
    return replace(data, [start, start + word[0].length], Buffer.from(key));
  },
  /** Lines swapped, repeated or dropped: ids out of order, duplicates, a header in the middle. */
  shuffleLines(random: Random, data: Buffer): Buffer {
    const lines = data.toString('latin1').split('\n');
    if (lines.length < 2) return data;
    const a = int(random, lines.length);
    const b = int(random, lines.length);
    const choice = int(random, 3);
    if (choice === 0) [lines[a], lines[b]] = [lines[b] as string, lines[a] as string];
    else if (choice === 1) lines.splice(b, 0, lines[a] as string);
    else lines.splice(a, 1);
    return Buffer.from(lines.join('\n'), 'latin1');
  },
  /** Lines after the first replaced by random text of quotes, delimiters, line ends, NUL and letters. */
  randomLines(random: Random, data: Buffer): Buffer {
    const first = data.indexOf(0x0a);
    const keep = first === -1 ? data.length : first + 1;
    const chars = [...SPECIAL, ...RANDOM_TEXT];
    let text = '';
    for (let i = int(random, 400); i > 0; i -= 1) text += pick(random, chars);
    return Buffer.concat([data.subarray(0, keep), Buffer.from(text)]);
  },
} satisfies Record<string, (random: Random, data: Buffer) => Buffer>;

export type MutationName = keyof typeof MUTATIONS;

/**
 * How often each is chosen. Damage that refuses a whole file at its first byte (invalid UTF-8, a
 * flipped high bit) is rarer, so that most inputs reach the record checks.
 */
const WEIGHTS: Record<MutationName, number> = {
  replaceValue: 8,
  bitFlip: 1,
  truncate: 1,
  deleteSpan: 2,
  duplicateSpan: 2,
  hugeNumber: 3,
  deepNesting: 1,
  invalidUtf8: 1,
  specialCharacter: 2,
  swapDelimiter: 1,
  prototypeKey: 2,
  shuffleLines: 3,
  randomLines: 2,
};
const CHOICES = (Object.entries(WEIGHTS) as [MutationName, number][]).flatMap(([name, weight]) => Array<MutationName>(weight).fill(name));

/** One to four mutations of `seed` (one, most often), chosen by `random`; the bytes and what was done. */
export function mutate(random: Random, seed: Buffer): { data: Buffer; applied: MutationName[] } {
  let data = seed;
  const applied: MutationName[] = [];
  const count = random() < 0.5 ? 1 : 2 + int(random, 3);
  for (let i = 0; i < count; i += 1) {
    const name = pick(random, CHOICES);
    data = MUTATIONS[name](random, data);
    applied.push(name);
  }
  return { data, applied };
}
