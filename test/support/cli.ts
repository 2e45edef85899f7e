/** Runs the operator CLI (`posdrop …`) in-process, as bin/posdrop.js does, capturing its output. */
import { Readable, Writable } from 'node:stream';
import { main } from '../../src/cli/main.js';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

class Capture extends Writable {
  text = '';

  override _write(chunk: Buffer | string, _encoding: BufferEncoding, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}

/** `posdrop <argv…>`, with `stdin` as standard input. */
export async function posdrop(argv: string[], stdin = ''): Promise<CliResult> {
  const stdout = new Capture();
  const stderr = new Capture();
  const code = await main(argv, { stdout, stderr, stdin: Readable.from([stdin]) });
  return { code, stdout: stdout.text, stderr: stderr.text };
}

/** The lines of `text`, without the empty last one. */
export function lines(text: string): string[] {
  return text.split('\n').filter((line, i, all) => line !== '' || i < all.length - 1);
}
