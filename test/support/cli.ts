/** Runs the real `posdrop` CLI entry (main) in this process against a daemon's data directory. */
import { writeFile } from 'node:fs/promises';
import { PassThrough } from 'node:stream';
import { main } from '../../src/cli/main.js';
import type { TestDaemon } from './daemon.js';

export interface CliResult {
  status: number;
  stdout: string;
  stderr: string;
}

/** Writes the daemon's configuration to a file, as an operator's `--config` would be. */
export async function configFile(daemon: TestDaemon): Promise<string> {
  const file = daemon.path('posdrop.config.json');
  await writeFile(file, JSON.stringify(daemon.config));
  return file;
}

export async function posdrop(daemon: TestDaemon, args: string[]): Promise<CliResult> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const status = await main([...args, '--config', await configFile(daemon)], { stdout, stderr, stdin: new PassThrough() });
  return { status, stdout: out, stderr: err };
}
