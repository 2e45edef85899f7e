import { describe, expect, it } from 'vitest';
import { Utf8Scanner } from './utf8.js';

function firstBad(...chunks: number[][]): number {
  const scanner = new Utf8Scanner();
  for (const chunk of chunks) {
    const at = scanner.push(Uint8Array.from(chunk));
    if (at >= 0) return at;
  }
  return scanner.end();
}

const text = (value: string) => [...Buffer.from(value, 'utf8')];

describe('Utf8Scanner', () => {
  it('accepts ASCII, multi-byte characters and a BOM, also split across chunks', () => {
    const bytes = text('\ufeff{"a":"é€😀"}');
    expect(firstBad(bytes)).toBe(-1);
    expect(firstBad(bytes.slice(0, 9), bytes.slice(9, 13), bytes.slice(13))).toBe(-1);
  });

  it('finds a stray continuation byte and a byte that never occurs in UTF-8', () => {
    expect(firstBad([0x61, 0x62, 0x80])).toBe(2);
    expect(firstBad([0x61, 0xff, 0x61])).toBe(1);
    expect(firstBad([0x61], [0x62, 0xc0, 0x80])).toBe(2);
  });

  it('points at the start of a sequence that breaks off, even in the next chunk', () => {
    expect(firstBad([0x61, 0xe2, 0x82], [0x41])).toBe(1);
    expect(firstBad([0x61, 0x62, 0xe2, 0x82])).toBe(2);
  });

  it('refuses overlong forms, surrogates and code points beyond U+10FFFF', () => {
    expect(firstBad([0xe0, 0x80, 0x80])).toBe(0);
    expect(firstBad([0xed, 0xa0, 0x80])).toBe(0);
    expect(firstBad([0xf4, 0x90, 0x80, 0x80])).toBe(0);
    expect(firstBad([0xf0, 0x8f, 0xbf, 0xbf])).toBe(0);
  });

  it('agrees with TextDecoder on what is valid', () => {
    const samples = [[0xc3, 0xa9], [0xc3], [0xef, 0xbb, 0xbf, 0x7b], [0xf0, 0x9f, 0x98, 0x80], [0xe2, 0x28, 0xa1]];
    for (const sample of samples) {
      let decoderSays = true;
      try {
        new TextDecoder('utf-8', { fatal: true }).decode(Uint8Array.from(sample));
      } catch {
        decoderSays = false;
      }
      expect(firstBad(sample) === -1).toBe(decoderSays);
    }
  });
});
