/**
 * Where UTF-8 goes wrong. The fast path is `TextDecoder` with `fatal: true`, which says only that
 * a file is invalid; this finds the byte offset to tell the partner, fed chunk by chunk.
 */
export class Utf8Scanner {
  private offset = 0;
  /** Continuation bytes still expected by the sequence in progress. */
  private pending = 0;
  private sequenceStart = 0;
  /** The range the next continuation byte must fall in (overlongs, surrogates, > U+10FFFF). */
  private low = 0x80;
  private high = 0xbf;

  /** Feeds the next bytes; returns the offset of the first bad sequence, or -1 so far. */
  push(bytes: Uint8Array): number {
    for (let i = 0; i < bytes.length; i++) {
      const byte = bytes[i] as number;
      const at = this.offset + i;
      if (this.pending > 0) {
        if (byte < this.low || byte > this.high) return this.sequenceStart;
        this.low = 0x80;
        this.high = 0xbf;
        this.pending -= 1;
      } else if (byte >= 0x80 && !this.begin(byte, at)) {
        return at;
      }
    }
    this.offset += bytes.length;
    return -1;
  }

  /** At the end of the input: the offset of a sequence cut short, or -1. */
  end(): number {
    return this.pending > 0 ? this.sequenceStart : -1;
  }

  private begin(byte: number, at: number): boolean {
    this.sequenceStart = at;
    if (byte >= 0xc2 && byte <= 0xdf) this.pending = 1;
    else if (byte >= 0xe0 && byte <= 0xef) {
      this.pending = 2;
      if (byte === 0xe0) this.low = 0xa0;
      if (byte === 0xed) this.high = 0x9f;
    } else if (byte >= 0xf0 && byte <= 0xf4) {
      this.pending = 3;
      if (byte === 0xf0) this.low = 0x90;
      if (byte === 0xf4) this.high = 0x8f;
    } else return false;
    return true;
  }
}
