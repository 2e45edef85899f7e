/**
 * Streams a file as strictly decoded UTF-8 text. TextDecoder with `fatal` refuses what a lenient
 * decoder would silently turn into U+FFFD; the byte offset is then found by our own check. A
 * leading BOM is dropped by the decoder.
 */
import { open } from 'node:fs/promises';
import { FileRejected } from '../../core/errors.js';
import { invalidUtf8Offset, openSequenceStart } from '../../core/utf8.js';

const CHUNK_BYTES = 64 * 1024;

/**
 * Calls `onText` for each decoded chunk, awaiting it (backpressure); throws `FileRejected`
 * (`not_utf8`) at the first invalid byte.
 */
export async function readUtf8Text(source: string, onText: (text: string) => void | Promise<void>): Promise<void> {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  // One buffer read into again and again (the decoder copies what it needs): fresh chunks of a
  // 50 MB file would pile up as external memory faster than the collector frees them.
  const buffer = Buffer.allocUnsafe(CHUNK_BYTES);
  const tail = Buffer.alloc(3);
  let tailLength = 0;
  let offset = 0;
  const handle = await open(source, 'r');
  try {
    for (;;) {
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, null);
      if (bytesRead === 0) break;
      const bytes = buffer.subarray(0, bytesRead);
      let text: string;
      try {
        text = decoder.decode(bytes, { stream: true });
      } catch {
        throw notUtf8(offset, tail.subarray(0, tailLength), bytes, false);
      }
      offset += bytesRead;
      tailLength = Math.min(3, bytesRead);
      bytes.copy(tail, 0, bytesRead - tailLength);
      if (text) await onText(text);
    }
  } finally {
    await handle.close();
  }
  try {
    const rest = decoder.decode();
    if (rest) await onText(rest);
  } catch {
    throw notUtf8(offset, tail.subarray(0, tailLength), new Uint8Array(0), true);
  }
}

function notUtf8(offset: number, tail: Uint8Array, bytes: Uint8Array, atEnd: boolean): FileRejected {
  const from = openSequenceStart(tail);
  const window = Buffer.concat([tail.subarray(from), bytes]);
  const found = invalidUtf8Offset(window, true);
  const at = offset - (tail.length - from) + (found === -1 ? window.length : found);
  const where = atEnd ? 'the file ends inside a character' : `invalid byte at offset ${at}`;
  return new FileRejected('not_utf8', `the file is not valid UTF-8: ${where} (byte offsets count from 0)`, { byte_offset: at });
}
