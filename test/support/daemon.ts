/**
 * Starts a real posdrop (the App, as `posdrop serve` builds it) on port 0 with a temporary data
 * directory, and gives tests what a partner or an operator would have: accounts, keys, clients.
 */
import { mkdtemp, readFile, readdir, rm, writeFile, chmod } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { App } from '../../src/app.js';
import { configSchema, type Config } from '../../src/config/schema.js';
import type { Clock } from '../../src/core/clock.js';
import { createLog } from '../../src/log.js';
import { generateEd25519KeyPair } from '../../src/sftp/host-key.js';
import { hashPassword } from '../../src/security/password.js';
import { parsePublicKeyLine } from '../../src/security/public-keys.js';
import { FORMAT_IDS, type FormatId } from '../../src/formats/types.js';
import type { FormatLookup } from '../../src/formats/registry.js';

export interface LogLine {
  event: string;
  level: string;
  [field: string]: unknown;
}

export interface TestPartner {
  id: string;
  password: string;
  /** OpenSSH private key file (0600) for `sftp -i`. */
  keyFile: string;
  /** The same key, for ssh2's client. */
  privateKey: string;
}

export interface PartnerSpec {
  id: string;
  clientId?: string;
  channels?: string[];
  formats?: FormatId[];
  maxUploadBytes?: number;
  password?: string;
}

/** What a test may substitute: only the clock, and (for tests of the frame) the formats. */
export interface DaemonExtras {
  clock?: Clock;
  formats?: FormatLookup;
}

/** The one thing tests fake: the clock, real time plus an offset they can move. */
export class TestClock implements Clock {
  private offsetMs = 0;

  now(): Date {
    return new Date(Date.now() + this.offsetMs);
  }

  advance(ms: number): void {
    this.offsetMs += ms;
  }
}

export class TestDaemon {
  app!: App;
  port = 0;
  /** The metrics and health listener's port (0 when it is off). */
  httpPort = 0;
  readonly logs: LogLine[] = [];
  readonly clock = new TestClock();

  private constructor(
    readonly dataDir: string,
    readonly config: Config,
    private readonly extras: DaemonExtras = {},
  ) {}

  /** A daemon on 127.0.0.1:0 with a fresh data directory and no demo partner. */
  static async start(overrides: Record<string, unknown> = {}, dataDir?: string, extras: DaemonExtras = {}): Promise<TestDaemon> {
    const dir = dataDir ?? (await mkdtemp(path.join(tmpdir(), 'posdrop-test-')));
    const config = configSchema.parse(
      merge(
        {
          data_dir: dir,
          demo_partner: false,
          log: { level: 'debug' },
          sftp: { port: 0, auth_failure_delay_ms: 10 },
          intake: { stable_ms: 100 },
          http: { port: 0 },
        },
        overrides,
      ),
    );
    const daemon = new TestDaemon(dir, config, extras);
    await daemon.boot();
    return daemon;
  }

  /** Starts the daemon again on the same data directory (and port, if it is still free). */
  async restart(): Promise<void> {
    await this.app.stop();
    await this.boot();
  }

  async stop(): Promise<void> {
    await this.app.stop();
  }

  /** Stops and deletes the data directory. */
  async destroy(): Promise<void> {
    await this.app.stop();
    await rm(this.dataDir, { recursive: true, force: true });
  }

  private async boot(): Promise<void> {
    const lines = this.logs;
    const stream = new Writable({
      write(chunk: Buffer, _encoding, done) {
        for (const line of chunk.toString('utf8').split('\n')) if (line.trim()) lines.push(JSON.parse(line) as LogLine);
        done();
      },
    });
    const log = createLog({ level: this.config.log.level, stream });
    const { clock = this.clock, formats } = this.extras;
    this.app = new App({ config: this.config, log, clock, ...(formats ? { formats } : {}) });
    const started = await this.app.start();
    this.port = started.sftp.port;
    this.httpPort = started.http?.port ?? 0;
  }

  /** Adds a partner with a password and an ed25519 key. */
  async addPartner(spec: PartnerSpec): Promise<TestPartner> {
    const password = spec.password ?? `pw-${spec.id}-secret-123`;
    const keys = generateEd25519KeyPair();
    const keyFile = path.join(this.dataDir, `${spec.id}.key`);
    await writeFile(keyFile, keys.private, { mode: 0o600 });
    await chmod(keyFile, 0o600);
    const { partners } = this.app.running;
    partners.add({
      id: spec.id,
      clientId: spec.clientId ?? spec.id,
      channels: spec.channels ?? ['direct-mail'],
      formats: spec.formats ?? [...FORMAT_IDS],
      maxUploadBytes: spec.maxUploadBytes ?? null,
      passwordHash: await hashPassword(password, { ln: 10, r: 8, p: 1 }),
    });
    partners.addKey(spec.id, parsePublicKeyLine(keys.public));
    return { id: spec.id, password, keyFile, privateKey: keys.private };
  }

  path(...parts: string[]): string {
    return path.join(this.dataDir, ...parts);
  }

  async outbox(partner: string): Promise<string[]> {
    return (await readdir(this.path('partners', partner, 'outbox'))).filter((name) => !name.startsWith('.')).sort();
  }

  async receipt(partner: string, name: string): Promise<Record<string, unknown>> {
    return JSON.parse(await readFile(this.path('partners', partner, 'outbox', `${name}.receipt.json`), 'utf8')) as Record<string, unknown>;
  }

  /** Resolves when the intake has nothing waiting or in hand. */
  idle(): Promise<void> {
    return this.app.running.intake.idle();
  }

  events(name: string): LogLine[] {
    return this.logs.filter((line) => line.event === name);
  }
}

/** Polls `probe` until it returns something other than undefined/false. */
export async function waitFor<T>(probe: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
    } catch {
      // not yet
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function merge(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(over)) {
    const current = out[key];
    out[key] =
      value && typeof value === 'object' && !Array.isArray(value) && current && typeof current === 'object'
        ? merge(current as Record<string, unknown>, value as Record<string, unknown>)
        : value;
  }
  return out;
}
