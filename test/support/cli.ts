/** Runs the operator CLI (`posdrop …`) in-process, as bin/posdrop.js does, capturing its output. */
import { writeFile } from 'node:fs/promises';
import { Readable, Writable } from 'node:stream';
import { main } from '../../src/cli/main.js';
import type { TestDaemon } from './daemon.js';

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
export async function runCli(argv: string[], stdin = ''): Promise<CliResult> {
  const stdout = new Capture();
  const stderr = new Capture();
  const code = await main(argv, { stdout, stderr, stdin: Readable.from([stdin]) });
  return { code, stdout: stdout.text, stderr: stderr.text };
}

/** Writes the daemon's configuration to a file, as an operator's `--config` would be. */
export async function configFile(daemon: TestDaemon): Promise<string> {
  const file = daemon.path('posdrop.config.json');
  await writeFile(file, JSON.stringify(daemon.config));
  return file;
}

/** `posdrop <args…> --config <the daemon's configuration>`. */
export async function posdrop(daemon: TestDaemon, args: string[], stdin = ''): Promise<CliResult> {
  return runCli([...args, '--config', await configFile(daemon)], stdin);
}

/** The lines of `text`, without the empty last one. */
export function lines(text: string): string[] {
  return text.split('\n').filter((line, i, all) => line !== '' || i < all.length - 1);
}
