/**
 * Reads a file as strict UTF-8 text, piece by piece. `TextDecoder` in fatal mode refuses what
 * stream-json and Buffer#toString would silently turn into U+FFFD; on a refusal the file is read
 * again from the start to find the offending byte, which is rare enough not to matter.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { FileRejected } from '../core/errors.js';
import { Utf8Scanner } from '../core/utf8.js';

/**
 * 64 KiB pieces, read into two buffers in turn: the next piece is read (in libuv's thread pool)
 * while the current one is decoded and parsed, so the parse never waits for the disk. Larger
 * pieces cost more than they save: each makes more garbage at once, which V8's small young
 * generation (the daemon runs with 4 MB) then promotes, and the peak memory of an ingest rises.
 */
const PIECE_BYTES = 64 * 1024;

async function eachPiece(file: string, onPiece: (bytes: Uint8Array) => Promise<boolean | void> | boolean | void): Promise<void> {
  const handle: FileHandle = await open(file, 'r');
  const buffers: [Buffer, Buffer] = [Buffer.allocUnsafe(PIECE_BYTES), Buffer.allocUnsafe(PIECE_BYTES)];
  let turn: 0 | 1 = 0;
  let next = readAhead(handle, buffers[turn]);
  try {
    for (;;) {
      const { bytesRead } = await next;
      if (bytesRead === 0) return;
      const piece = buffers[turn].subarray(0, bytesRead);
      turn = turn === 0 ? 1 : 0;
      next = readAhead(handle, buffers[turn]);
      if ((await onPiece(piece)) === false) return;
    }
  } finally {
    // The piece read ahead must land before its file is closed.
    await next.catch(() => undefined);
    await handle.close();
  }
}

/**
 * Starts reading the next piece. Marked as handled at once: it may fail while the current piece is
 * still being parsed, and an unhandled rejection ends the daemon; its error is thrown when the
 * piece is awaited.
 */
function readAhead(handle: FileHandle, buffer: Buffer): Promise<{ bytesRead: number }> {
  const read = handle.read(buffer, 0, PIECE_BYTES, null);
  read.catch(() => undefined);
  return read;
}

/** Calls `onText` with each decoded piece (a leading BOM removed); throws `not_utf8` with the offset. */
export async function readUtf8(file: string, onText: (text: string) => Promise<void> | void): Promise<void> {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  const decode = (bytes?: Uint8Array): string | undefined => {
    try {
      return bytes ? decoder.decode(bytes, { stream: true }) : decoder.decode();
    } catch {
      return undefined;
    }
  };
  await eachPiece(file, async (bytes) => {
    const text = decode(bytes);
    if (text === undefined) throw await notUtf8(file);
    await onText(text);
  });
  const rest = decode();
  if (rest === undefined) throw await notUtf8(file);
  if (rest) await onText(rest);
}

async function notUtf8(file: string): Promise<FileRejected> {
  const scanner = new Utf8Scanner();
  let offset = -1;
  await eachPiece(file, (bytes) => {
    offset = scanner.push(bytes);
    return offset < 0;
  });
  if (offset < 0) offset = scanner.end();
  return new FileRejected(
    'not_utf8',
    `the file is not valid UTF-8: the byte at offset ${offset} (counting from 0) does not begin or continue a UTF-8 character; save the file as UTF-8`,
    { offset },
  );
}
