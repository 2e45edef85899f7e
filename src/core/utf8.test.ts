import { describe, expect, it } from 'vitest';
import { invalidUtf8Offset, openSequenceStart } from './utf8.js';

const bytes = (...values: number[]) => Uint8Array.from(values);

describe('invalidUtf8Offset', () => {
  it('accepts ASCII and multi-byte characters', () => {
    expect(invalidUtf8Offset(Buffer.from('a€😀é'))).toBe(-1);
  });
  it('finds a stray continuation byte, an overlong, a surrogate and a code point past U+10FFFF', () => {
    expect(invalidUtf8Offset(bytes(0x61, 0x80))).toBe(1);
    expect(invalidUtf8Offset(bytes(0x61, 0xc0, 0xaf))).toBe(1);
    expect(invalidUtf8Offset(bytes(0xed, 0xa0, 0x80))).toBe(0);
    expect(invalidUtf8Offset(bytes(0xf4, 0x90, 0x80, 0x80))).toBe(0);
    expect(invalidUtf8Offset(bytes(0x61, 0xc3, 0x28))).toBe(1);
  });
  it('treats a sequence cut by the end as an error only when the bytes are complete', () => {
    expect(invalidUtf8Offset(bytes(0x61, 0xe2, 0x82), true)).toBe(1);
    expect(invalidUtf8Offset(bytes(0x61, 0xe2, 0x82), false)).toBe(-1);
  });
});

describe('openSequenceStart', () => {
  it('points at a lead byte whose character may continue in the next chunk', () => {
    expect(openSequenceStart(bytes(0x61, 0x62, 0xe2))).toBe(2);
    expect(openSequenceStart(bytes(0x61, 0xe2, 0x82))).toBe(1);
    expect(openSequenceStart(bytes(0x61, 0x62, 0x63))).toBe(3);
  });
});
