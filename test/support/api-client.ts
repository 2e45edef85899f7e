/** What a partner's own API client does: curl lines from the guides, and Node's fetch. */
import { spawn } from 'node:child_process';
import { posdrop } from './cli.js';
import type { TestDaemon } from './daemon.js';

export interface ShellResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command line as a partner's script would (`sh -c`), in `cwd`. */
export function shell(line: string, cwd: string): Promise<ShellResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('sh', ['-c', line], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** The partner API's base URL of a running TestDaemon. */
export function apiBase(daemon: TestDaemon): string {
  return `http://127.0.0.1:${daemon.apiPort}`;
}

/** `posdrop partners api-key <id>`: the key it prints once. */
export async function createApiKey(daemon: TestDaemon, partner: string): Promise<string> {
  const result = await posdrop(daemon, ['partners', 'api-key', partner, '--json']);
  if (result.code !== 0) throw new Error(result.stderr);
  return (JSON.parse(result.stdout) as { api_key: string }).api_key;
}

export interface Answer {
  status: number;
  type: string;
  headers: Headers;
  text: string;
  json: () => unknown;
}

/** fetch, with the answer read whole. */
export async function call(url: string, init: RequestInit = {}): Promise<Answer> {
  const response = await fetch(url, init);
  const text = await response.text();
  return { status: response.status, type: response.headers.get('content-type') ?? '', headers: response.headers, text, json: () => JSON.parse(text) as unknown };
}
