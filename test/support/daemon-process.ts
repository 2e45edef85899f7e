/**
 * The daemon as operators run it, `node bin/posdrop.js serve` (the build in dist/), in a child
 * process that a test can kill at any moment. Its JSON log lines are collected as they come.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chmod, writeFile } from 'node:fs/promises';
import path from 'node:path';
import ssh2 from 'ssh2';
import { hashPassword } from '../../src/security/password.js';
import { parsePublicKeyLine } from '../../src/security/public-keys.js';
import type { LogLine, TestPartner } from './daemon.js';
import { waitFor } from './daemon.js';
import { addPartnerBeforeStart, TEST_STORE, testStoreUrl } from './test-store.js';

const BIN = path.resolve(import.meta.dirname, '../../bin/posdrop.js');

export class DaemonProcess {
  readonly logs: LogLine[] = [];
  /** What the daemon wrote to stderr (the demo banner, a start-up failure); also passed on. */
  stderr = '';
  port = 0;
  private exited: Promise<void>;

  private constructor(private readonly child: ChildProcess) {
    let pending = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      pending += chunk.toString('utf8');
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) if (line.startsWith('{')) this.logs.push(JSON.parse(line) as LogLine);
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      this.stderr += chunk.toString('utf8');
      process.stderr.write(chunk);
    });
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
  }

  /**
   * Starts `posdrop serve` on `dataDir` and waits until it is ready. SFTP and the metrics listener
   * take free ports (`daemon.json` in the data directory names them), so that suites running side
   * by side never meet on the default ports.
   */
  static async start(dataDir: string, env: Record<string, string> = {}): Promise<DaemonProcess> {
    // TEST_STORE_ENGINE=postgres: the data directory's own database, unless the test names one.
    const store: Record<string, string> = TEST_STORE === 'postgres' ? { POSDROP_STORE_URL: await testStoreUrl(dataDir) } : {};
    const child = spawn(process.execPath, [BIN, 'serve'], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env,
        POSDROP_DATA_DIR: dataDir,
        POSDROP_SFTP_PORT: '0',
        POSDROP_HTTP_PORT: '0',
        POSDROP_API_PORT: '0',
        POSDROP_DEMO_PARTNER: 'false',
        POSDROP_INTAKE_STABLE_MS: '100',
        ...store,
        ...env,
      },
    });
    const daemon = new DaemonProcess(child);
    // A daemon that refuses its configuration exits at once: say so instead of waiting a minute.
    const gone = daemon.exited.then(() => {
      throw new Error(`posdrop serve exited before it was ready (code ${child.exitCode}); its error is above`);
    });
    gone.catch(() => undefined); // once ready, a later exit is no error
    const ready = await Promise.race([daemon.waitForLog((line) => line.event === 'daemon.ready'), gone]);
    daemon.port = ready.sftp_port as number;
    return daemon;
  }

  /** The daemon's process id, to read its memory from /proc. */
  get pid(): number {
    return this.child.pid as number;
  }

  events(name: string): LogLine[] {
    return this.logs.filter((line) => line.event === name);
  }

  waitForLog(match: (line: LogLine) => boolean, timeoutMs = 60_000): Promise<LogLine> {
    return waitFor(() => this.logs.find(match), timeoutMs);
  }

  /** Sends `signal` (SIGKILL: no chance to clean up) and waits until the process is gone. */
  async kill(signal: NodeJS.Signals): Promise<void> {
    this.child.kill(signal);
    await this.exited;
  }
}

/** Adds a partner with an ed25519 key straight into the store, before any daemon runs. */
export async function addPartnerOffline(dataDir: string, id: string, clientId: string): Promise<TestPartner> {
  const keys = ssh2.utils.generateKeyPairSync('ed25519');
  const keyFile = path.join(dataDir, `${id}.key`);
  await writeFile(keyFile, keys.private, { mode: 0o600 });
  await chmod(keyFile, 0o600);
  const password = `pw-${id}-secret-123`;
  const partner = { id, clientId, channels: [], formats: ['crowdtwist-pos' as const], passwordHash: await hashPassword(password, { ln: 10, r: 8, p: 1 }) };
  const key = parsePublicKeyLine(keys.public);
  await addPartnerBeforeStart(dataDir, partner, key);
  return { id, password, keyFile, privateKey: keys.private };
}
