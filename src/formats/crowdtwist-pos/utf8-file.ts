/**
 * Reads a file as strict UTF-8 text, piece by piece. `TextDecoder` in fatal mode refuses what
 * stream-json and Buffer#toString would silently turn into U+FFFD; on a refusal the file is read
 * again from the start to find the offending byte, which is rare enough not to matter.
 */
import { createReadStream } from 'node:fs';
import { FileRejected } from '../../core/errors.js';
import { Utf8Scanner } from '../../core/utf8.js';

/** 64 KiB pieces: larger ones cost more in string joins and garbage than they save in calls. */
const PIECE_BYTES = 64 * 1024;

/** Calls `onText` with each decoded piece (a leading BOM removed); throws `not_utf8` with the offset. */
export async function readUtf8(file: string, onText: (text: string) => Promise<void> | void): Promise<void> {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let text: string;
  for await (const chunk of createReadStream(file, { highWaterMark: PIECE_BYTES })) {
    try {
      text = decoder.decode(chunk as Buffer, { stream: true });
    } catch {
      throw await notUtf8(file);
    }
    await onText(text);
  }
  try {
    text = decoder.decode();
  } catch {
    throw await notUtf8(file);
  }
  if (text) await onText(text);
}

async function notUtf8(file: string): Promise<FileRejected> {
  const scanner = new Utf8Scanner();
  let offset = -1;
  for await (const chunk of createReadStream(file, { highWaterMark: PIECE_BYTES })) {
    offset = scanner.push(chunk as Buffer);
    if (offset >= 0) break;
  }
  if (offset < 0) offset = scanner.end();
  return new FileRejected(
    'not_utf8',
    `the file is not valid UTF-8: the byte at offset ${offset} (counting from 0) does not begin or continue a UTF-8 character; save the file as UTF-8`,
    { offset },
  );
}
