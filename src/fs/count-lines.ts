/**
 * Counts a file's non-empty lines from its bytes, without decoding them: what a delimited file
 * refused whole (not UTF-8) still reports as the lines read, as its source would. A line ends at
 * LF; a CR right before it and a leading UTF-8 BOM belong to no line.
 */
import { open } from 'node:fs/promises';

const LF = 0x0a;
const CR = 0x0d;

/** The number of non-empty lines of `file`, read piece by piece. */
export async function countLines(file: string): Promise<number> {
  const handle = await open(file, 'r');
  const buffer = Buffer.allocUnsafe(64 * 1024);
  let lines = 0;
  /** Bytes of the line in hand, not counting a CR that may yet turn out to end it. */
  let content = 0;
  let pendingCr = false;
  let first = true;
  try {
    for (;;) {
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, null);
      if (bytesRead === 0) break;
      let start = 0;
      if (first && bytesRead >= 3 && buffer[0] === 0xef && buffer[1] === 0xbb && buffer[2] === 0xbf) start = 3;
      first = false;
      for (let i = start; i < bytesRead; i += 1) {
        const byte = buffer[i] as number;
        if (byte === LF) {
          if (content > 0) lines += 1;
          content = 0;
          pendingCr = false;
          continue;
        }
        if (pendingCr) content += 1; // the CR did not end the line: it is part of it
        pendingCr = byte === CR;
        if (!pendingCr) content += 1;
      }
    }
  } finally {
    await handle.close();
  }
  return content > 0 ? lines + 1 : lines;
}
