/**
 * posdrop as its own process, the way systemd runs it: `serve` in a child (with the line
 * processor in place of the format pipelines), a config file, signals, and a notify socket that
 * plays systemd's part.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { mkdir, readFile, writeFile, chmod } from 'node:fs/promises';
import path from 'node:path';
import { FORMAT_IDS } from '../../src/formats/types.js';
import { parsePublicKeyLine } from '../../src/security/public-keys.js';
import { generateEd25519KeyPair } from '../../src/security/ed25519.js';
import type { LogLine, TestPartner } from './daemon.js';
import { waitFor } from './daemon.js';
import { addPartnerBeforeStart, TEST_STORE, testStoreUrl } from './test-store.js';

const HARNESS = path.resolve(import.meta.dirname, 'serve-line-formats.mjs');

interface DatagramSocket {
  bind(path: string): void;
  on(event: 'message', listener: (buf: Buffer) => void): void;
  close(): void;
}

/** A unix datagram socket where the child sends its sd_notify messages. */
export class FakeSystemd {
  readonly messages: string[] = [];
  private readonly socket: DatagramSocket;

  constructor(readonly socketPath: string) {
    const dgram = createRequire(import.meta.url)('unix-dgram') as { createSocket(type: string, listener?: (buf: Buffer) => void): DatagramSocket };
    this.socket = dgram.createSocket('unix_dgram', (buf) => this.messages.push(buf.toString()));
    this.socket.bind(socketPath);
  }

  /** Messages carrying `field` (e.g. `READY=1`). */
  with(field: string): string[] {
    return this.messages.filter((message) => message.split('\n').includes(field));
  }

  close(): void {
    this.socket.close();
  }
}

export interface ChildOptions {
  dataDir: string;
  config?: Record<string, unknown>;
  /** The line processor waits for this file to exist before it finishes a file. */
  gate?: string;
  env?: NodeJS.ProcessEnv;
}

export class ChildDaemon {
  readonly logs: LogLine[] = [];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stderr = '';

  private constructor(
    readonly child: ChildProcess,
    readonly configFile: string,
  ) {
    let partial = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      const lines = (partial + chunk.toString()).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) if (line.trim()) this.logs.push(JSON.parse(line) as LogLine);
    });
    child.stderr?.on('data', (chunk: Buffer) => (this.stderr += chunk.toString()));
    this.exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  }

  /** Writes the config file and starts `serve`; resolves once it is ready. */
  static async start(options: ChildOptions): Promise<ChildDaemon> {
    const configFile = path.join(options.dataDir, 'config.json');
    await writeConfig(configFile, options.dataDir, options.config ?? {});
    const args = [HARNESS, '--config', configFile, ...(options.gate ? ['--gate', options.gate] : [])];
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...options.env } });
    const daemon = new ChildDaemon(child, configFile);
    await waitFor(() => daemon.logs.some((line) => line.event === 'daemon.ready') || daemon.failedEarly(), 20_000);
    if (daemon.failedEarly()) throw new Error(`the daemon did not start: ${daemon.stderr}`);
    return daemon;
  }

  /** The runtime file the daemon wrote: its pid and addresses. */
  async runtime(dataDir: string): Promise<{ pid: number; sftp: { port: number }; http: { port: number } | null }> {
    return JSON.parse(await readFile(path.join(dataDir, 'daemon.json'), 'utf8')) as { pid: number; sftp: { port: number }; http: { port: number } | null };
  }

  events(name: string): LogLine[] {
    return this.logs.filter((line) => line.event === name);
  }

  waitForEvent(name: string, timeoutMs = 20_000): Promise<LogLine> {
    return waitFor(() => this.events(name)[0], timeoutMs);
  }

  signal(signal: NodeJS.Signals): void {
    this.child.kill(signal);
  }

  async rewriteConfig(dataDir: string, config: Record<string, unknown> | string): Promise<void> {
    if (typeof config === 'string') await writeFile(this.configFile, config);
    else await writeConfig(this.configFile, dataDir, config);
  }

  private failedEarly(): boolean {
    return this.child.exitCode !== null;
  }
}

async function writeConfig(file: string, dataDir: string, overrides: Record<string, unknown>): Promise<void> {
  const base = {
    // TEST_STORE_ENGINE=postgres: the data directory's own database, unless the test names one.
    ...(TEST_STORE === 'postgres' ? { store: { url: await testStoreUrl(dataDir) } } : {}),
    data_dir: dataDir,
    demo_partner: false,
    log: { level: 'debug' },
    sftp: { port: 0, auth_failure_delay_ms: 10 },
    intake: { stable_ms: 100 },
    http: { port: 0 },
    api: { port: 0 },
  };
  const config: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(overrides)) {
    const current = config[key];
    config[key] = current && typeof current === 'object' && value && typeof value === 'object' ? { ...current, ...value } : value;
  }
  await writeFile(file, `${JSON.stringify(config, null, 2)}\n`);
}

/** Creates the database with one partner (all formats, an ed25519 key) before any daemon runs. */
export async function seedPartner(dataDir: string, id: string, clientId: string): Promise<TestPartner> {
  await mkdir(dataDir, { recursive: true });
  const keys = generateEd25519KeyPair();
  const partner = { id, clientId, channels: ['direct-mail'], formats: [...FORMAT_IDS] };
  const key = parsePublicKeyLine(keys.public);
  await addPartnerBeforeStart(dataDir, partner, key);
  const keyFile = path.join(dataDir, `${id}.key`);
  await writeFile(keyFile, keys.private, { mode: 0o600 });
  await chmod(keyFile, 0o600);
  return { id, password: '', keyFile, privateKey: keys.private };
}
