import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { countLines } from './count-lines.js';

/** The same count made from text, as the fuzzer's invariant states it. */
function fromText(bytes: Buffer): number {
  const text = bytes.toString('latin1');
  const body = text.startsWith('\xef\xbb\xbf') ? text.slice(3) : text;
  return body.split('\n').filter((line) => line !== '' && line !== '\r').length;
}

describe('countLines', () => {
  it('counts non-empty lines of any bytes as splitting the text would', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'posdrop-lines-'));
    const cases = ['', 'a', 'a\n', '\n\n', '\r\n', 'a\r\nb\r\n', '\r', '\r\r\n', 'a\rb', '\xef\xbb\xbf\n', '\xef\xbb\xbfa', '\xef\xbb\n', 'x\xe9\ny\n\r'];
    for (const [index, text] of cases.entries()) {
      const bytes = Buffer.from(text, 'latin1');
      const file = path.join(dir, `f${index}`);
      await writeFile(file, bytes);
      expect(await countLines(file), JSON.stringify(text)).toBe(fromText(bytes));
    }
    const big = Buffer.from('line;of;text\r\n'.repeat(20_000), 'latin1');
    await writeFile(path.join(dir, 'big'), big);
    expect(await countLines(path.join(dir, 'big'))).toBe(20_000);
  });
});
