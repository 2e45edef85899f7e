/**
 * Starts a real posdrop (the App, as `posdrop serve` builds it) on port 0 with a temporary data
 * directory, and gives tests what a partner or an operator would have: accounts, keys, clients.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, readdir, rm, writeFile, chmod } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { App } from '../../src/app.js';
import type { FileEvent, FileRecord } from '../../src/store/files.js';
import type { OperatorStoreAsync } from '../../src/store/operators.js';
import type { Store } from '../../src/store/store.js';
import { configSchema, type Config } from '../../src/config/schema.js';
import type { Clock } from '../../src/core/clock.js';
import { ensurePartnerFolders } from '../../src/fs/partner-folders.js';
import { createLog } from '../../src/log.js';
import { generateEd25519KeyPair } from '../../src/security/ed25519.js';
import { hashPassword } from '../../src/security/password.js';
import { parsePublicKeyLine } from '../../src/security/public-keys.js';
import { FORMAT_IDS, type FormatId } from '../../src/formats/types.js';
import type { FormatLookup } from '../../src/formats/registry.js';
import { storeRows, storeValue } from './store-sql.js';
import { TEST_STORE, testStoreUrl } from './test-store.js';

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
  /** Partner options (`carma_customer_id`). */
  options?: Record<string, unknown>;
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

export interface StartOptions {
  /** Reuse this data directory instead of a fresh one. */
  dataDir?: string;
  /** The daemon's clock; by default a TestClock that tests can move ahead instead of waiting. */
  clock?: Clock;
  /** The formats and their processors, for tests of the frame itself; the built-ins otherwise. */
  formats?: FormatLookup;
}

/**
 * For suites about something else than names (resumes, limits, clients' request orders) whose
 * files carry any name: the upload completes and the pipeline judges the name, as with
 * `intake.refuse_names_at_upload` off. test/e2e/upload-refusals.test.ts covers the default.
 */
export const NAMES_JUDGED_BY_PIPELINE = { intake: { refuse_names_at_upload: false } } as const;

export class TestDaemon {
  app!: App;
  port = 0;
  /** The metrics and health listener's port (0 when it is off). */
  httpPort = 0;
  /** The partner API's port (0 when it is off). */
  apiPort = 0;
  readonly logs: LogLine[] = [];
  readonly clock = new TestClock();

  private constructor(
    readonly dataDir: string,
    readonly config: Config,
    private readonly options: StartOptions,
  ) {}

  /** A daemon on 127.0.0.1:0 with a fresh data directory and no demo partner. */
  static async start(overrides: Record<string, unknown> = {}, options: StartOptions = {}): Promise<TestDaemon> {
    const dir = options.dataDir ?? (await mkdtemp(path.join(tmpdir(), 'posdrop-test-')));
    // TEST_STORE_ENGINE=postgres: a database of its own, unless the test names a store itself.
    const store = TEST_STORE === 'postgres' ? { store: { url: await testStoreUrl(dir) } } : {};
    const config = configSchema.parse(
      merge(
        {
          ...store,
          data_dir: dir,
          demo_partner: false,
          log: { level: 'debug' },
          sftp: { port: 0, auth_failure_delay_ms: 10 },
          intake: { stable_ms: 100 },
          http: { port: 0 },
          api: { port: 0 },
        },
        overrides,
      ),
    );
    const daemon = new TestDaemon(dir, config, options);
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

  /** Which engine this daemon's store is. */
  get engine(): 'sqlite' | 'postgres' {
    return this.config.store.url ? 'postgres' : 'sqlite';
  }

  private async boot(): Promise<void> {
    const lines = this.logs;
    const stream = new Writable({
      write(chunk: Buffer, _encoding, done) {
        for (const line of chunk.toString('utf8').split('\n')) if (line.trim()) lines.push(JSON.parse(line) as LogLine);
        done();
      },
    });
    const { clock = this.clock, formats } = this.options;
    this.app = new App({ config: this.config, log: createLog({ level: this.config.log.level, stream }), clock, ...(formats ? { formats } : {}) });
    const started = await this.app.start();
    this.port = started.sftp.port;
    this.httpPort = started.http?.port ?? 0;
    this.apiPort = started.api?.port ?? 0;
  }

  /** Adds a partner with a password and an ed25519 key. */
  async addPartner(spec: PartnerSpec): Promise<TestPartner> {
    const password = spec.password ?? `pw-${spec.id}-secret-123`;
    const keys = generateEd25519KeyPair();
    const keyFile = path.join(this.dataDir, `${spec.id}.key`);
    await writeFile(keyFile, keys.private, { mode: 0o600 });
    await chmod(keyFile, 0o600);
    const passwordHash = await hashPassword(password, { ln: 10, r: 8, p: 1 });
    await this.app.running.store.transaction(async ({ partners }) => {
      await partners.add({
        id: spec.id,
        clientId: spec.clientId ?? spec.id,
        channels: spec.channels ?? ['direct-mail'],
        formats: spec.formats ?? [...FORMAT_IDS],
        maxUploadBytes: spec.maxUploadBytes ?? null,
        passwordHash,
        options: spec.options ?? {},
      });
      await partners.addKey(spec.id, parsePublicKeyLine(keys.public));
    });
    // As `posdrop partners add` does, so that files can be dropped in by hand at once.
    await ensurePartnerFolders(this.app.layout, spec.id);
    return { id: spec.id, password, keyFile, privateKey: keys.private };
  }

  path(...parts: string[]): string {
    return path.join(this.dataDir, ...parts);
  }

  /** File names in a partner's folder on disk (`inbox`, `validate`, `outbox`). */
  async folder(partner: string, area: 'inbox' | 'validate' | 'outbox'): Promise<string[]> {
    return listOrEmpty(this.path('partners', partner, area));
  }

  /** File names in a partner's spool (uploads in flight and resumable partials). */
  async spool(partner: string, area: 'inbox' | 'validate' = 'inbox'): Promise<string[]> {
    return listOrEmpty(this.path('spool', partner, area));
  }

  /** Bodies of a partner being received over the partner API. */
  async deliverySpool(partner: string): Promise<string[]> {
    return listOrEmpty(this.app.layout.deliverySpoolDir(partner));
  }

  /** The daemon's store, on either engine. */
  get store(): Store {
    return this.app.running.store;
  }

  /** The daemon's `store.url`: empty for the SQLite file in the data directory. */
  get storeUrl(): string {
    return this.config.store.url ?? '';
  }

  /** The console's accounts: read from the store, each change in a transaction of its own. */
  get operators(): Pick<OperatorStoreAsync, 'get' | 'actions' | 'add' | 'update'> {
    const { store } = this;
    return {
      get: (name) => store.operators.get(name),
      actions: (limit) => store.operators.actions(limit),
      add: (operator) => store.transaction((tx) => tx.operators.add(operator)),
      update: (name, patch) => store.transaction((tx) => tx.operators.update(name, patch)),
    };
  }

  /** The environment of a `posdrop` command run as its own process against this daemon's store. */
  cliEnv(): NodeJS.ProcessEnv {
    return { ...process.env, POSDROP_DATA_DIR: this.dataDir, ...(this.storeUrl ? { POSDROP_STORE_URL: this.storeUrl } : {}) };
  }

  /** The ledger rows of a partner, oldest first. */
  async ledger(partner?: string): Promise<FileRecord[]> {
    return (await this.store.ledger.list({ ...(partner ? { partner } : {}), limit: 10_000 })).reverse();
  }

  /** The history of one ledger row, oldest first. */
  fileEvents(id: number): Promise<FileEvent[]> {
    return this.store.ledger.events(id);
  }

  /** Raw SQL on the daemon's store (`?` placeholders), on a connection of its own: see store-sql.ts. */
  rows<T = Record<string, unknown>>(sql: string, ...params: unknown[]): Promise<T[]> {
    return storeRows<T>(this, sql, ...params);
  }

  /** The first column of the first row of `sql`. */
  value<T = unknown>(sql: string, ...params: unknown[]): Promise<T | undefined> {
    return storeValue<T>(this, sql, ...params);
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

  /** The ledger row of `name` holding exactly `data`, once the intake has looked at it. */
  arrived(partner: string, name: string, data: Buffer): Promise<FileRecord> {
    const hash = sha256(data);
    return waitFor(async () => (await this.ledger(partner)).find((row) => row.name === name && row.sha256 === hash && row.state !== 'queued'), 30_000);
  }
}

export function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

async function listOrEmpty(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir)).sort();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}

/** Polls `probe` until it returns something other than undefined, null or false. */
export async function waitFor<T>(
  probe: () => Promise<T | undefined | null | false> | T | undefined | null | false,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== null && value !== false) return value;
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
