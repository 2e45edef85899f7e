/**
 * Strict UTF-8. The decoder (TextDecoder with `fatal`) says only *that* bytes are invalid; this
 * finds *where*, so that a refusal can name the byte offset.
 */

/** Length of the sequence a lead byte starts, or 0 when it cannot start one. */
function sequenceLength(lead: number): number {
  if (lead < 0x80) return 1;
  if (lead >= 0xc2 && lead <= 0xdf) return 2;
  if (lead >= 0xe0 && lead <= 0xef) return 3;
  if (lead >= 0xf0 && lead <= 0xf4) return 4;
  return 0;
}

/** The allowed range of the second byte, which excludes overlongs, surrogates and > U+10FFFF. */
function secondByteOk(lead: number, second: number): boolean {
  if (lead === 0xe0) return second >= 0xa0 && second <= 0xbf;
  if (lead === 0xed) return second >= 0x80 && second <= 0x9f;
  if (lead === 0xf0) return second >= 0x90 && second <= 0xbf;
  if (lead === 0xf4) return second >= 0x80 && second <= 0x8f;
  return second >= 0x80 && second <= 0xbf;
}

/**
 * Offset of the first byte of `bytes` that is not valid UTF-8, or -1. With `complete` false, a
 * sequence cut short by the end of `bytes` is not an error (more bytes may follow).
 */
export function invalidUtf8Offset(bytes: Uint8Array, complete = true): number {
  let i = 0;
  while (i < bytes.length) {
    const lead = bytes[i] as number;
    if (lead < 0x80) {
      i += 1;
      continue;
    }
    const length = sequenceLength(lead);
    if (length === 0) return i;
    for (let k = 1; k < length; k += 1) {
      if (i + k >= bytes.length) return complete ? i : -1;
      const byte = bytes[i + k] as number;
      const ok = k === 1 ? secondByteOk(lead, byte) : byte >= 0x80 && byte <= 0xbf;
      if (!ok) return i;
    }
    i += length;
  }
  return -1;
}

/**
 * Where in `tail` (the last bytes before a chunk) a character may still be open: decoding of the
 * next chunk can fail on bytes that started there. Returns the index to re-check from.
 */
export function openSequenceStart(tail: Uint8Array): number {
  for (let i = tail.length - 1; i >= Math.max(0, tail.length - 3); i -= 1) {
    const byte = tail[i] as number;
    if ((byte & 0xc0) !== 0x80) return byte < 0x80 ? i + 1 : i;
  }
  return tail.length;
}
