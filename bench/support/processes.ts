/** Processes the bench drives: the real posdrop daemon, OpenSSH's sshd, and OpenSSH's sftp. */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DaemonLogs } from './daemon-logs.js';
import { DAEMON_NODE_FLAGS } from './daemon-flags.js';
import { repoRootFrom } from './repo-root.js';

export const repoRoot = repoRootFrom(import.meta.url);
const cli = path.join(repoRoot, 'bin', 'posdrop.js');

export interface Daemon {
  pid: number;
  port: number;
  dataDir: string;
  env: NodeJS.ProcessEnv;
  child: ChildProcess;
  /** Its JSON log lines, when started with `logs`. */
  logs?: DaemonLogs;
  stop(): Promise<void>;
  /** Sends `signal` and resolves once the process is gone (SIGKILL: a pulled plug). */
  kill(signal: NodeJS.Signals): Promise<void>;
}

export interface DaemonOptions {
  /** Extra POSDROP_* variables. */
  env?: NodeJS.ProcessEnv;
  /** A configuration file's content (JSON), written into the data directory. */
  config?: Record<string, unknown>;
  /**
   * Keep the daemon's stdout (its JSON log lines) readable as `daemon.child.stdout` and
   * `daemon.logs`; the daemon is then ready at its `daemon.ready` line, not at its runtime file
   * (which the nodes sharing a data directory share too).
   */
  logs?: boolean;
  /** Start on this data directory (a restart) instead of a fresh one. */
  dataDir?: string;
}

/** Starts `posdrop serve` on a free port (a fresh data directory by default) and waits until it listens. */
export async function startDaemon(options: DaemonOptions = {}): Promise<Daemon> {
  const dataDir = options.dataDir ?? (await mkdtemp(path.join(tmpdir(), 'posdrop-bench-')));
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    POSDROP_DATA_DIR: dataDir,
    POSDROP_SFTP_PORT: '0',
    POSDROP_DEMO_PARTNER: 'false',
    POSDROP_HTTP_PORT: '0',
    POSDROP_API_PORT: '0',
    ...options.env,
  };
  if (options.config) {
    env.POSDROP_CONFIG = path.join(dataDir, 'bench-config.json');
    await writeFile(env.POSDROP_CONFIG, JSON.stringify(options.config));
  }
  const stdout = options.logs ? 'pipe' : 'ignore';
  const child = spawn(process.execPath, [...DAEMON_NODE_FLAGS, cli, 'serve'], { env, stdio: ['ignore', stdout, 'pipe'] });
  // Passed on as it comes, and the start of it kept: a daemon that refuses to start says why there.
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    process.stderr.write(chunk);
    if (stderr.length < 4096) stderr += chunk.toString('utf8');
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const logs = options.logs ? new DaemonLogs(child.stdout!) : undefined;
  const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));
  const port = await (logs ? readyPort(child, logs) : runtimePort(child, dataDir)).catch(async (err: Error) => {
    await Promise.race([closed, sleep(1000)]); // the rest of what it wrote
    throw new Error(`${err.message}${stderr.trim() ? `: ${stderr.trim()}` : ''}`);
  });
  return {
    pid: child.pid as number,
    port,
    dataDir,
    env,
    child,
    ...(logs ? { logs } : {}),
    stop: () => stopChild(child),
    kill: (signal) => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

/** The SFTP port of the daemon once its runtime file is its own. */
async function runtimePort(child: ChildProcess, dataDir: string): Promise<number> {
  const runtime = path.join(dataDir, 'daemon.json');
  const deadline = Date.now() + 20_000;
  // A daemon killed before leaves its runtime file: wait for this one's.
  const ours = () => existsSync(runtime) && (JSON.parse(readFileSync(runtime, 'utf8')) as { pid: number }).pid === child.pid;
  while (!ours()) {
    if (Date.now() > deadline || child.exitCode !== null) {
      child.kill('SIGKILL');
      throw new Error('posdrop did not start');
    }
    await sleep(20);
  }
  return (JSON.parse(readFileSync(runtime, 'utf8')) as { sftp: { port: number } }).sftp.port;
}

/** The SFTP port of the daemon's `daemon.ready` line. */
async function readyPort(child: ChildProcess, logs: DaemonLogs): Promise<number> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const ready = logs.events.find((line) => line.event === 'daemon.ready');
    if (ready) return ready.sftp_port as number;
    if (Date.now() > deadline || child.exitCode !== null) {
      child.kill('SIGKILL');
      throw new Error(`posdrop did not start${child.exitCode !== null ? ` (exit code ${child.exitCode})` : ''}`);
    }
    await sleep(20);
  }
}

/** Runs the posdrop CLI against a daemon's data directory. */
export function posdrop(daemon: Daemon, args: string[]): string {
  const result = spawnSync(process.execPath, [cli, ...args], { env: daemon.env, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`posdrop ${args.join(' ')}: ${result.stderr}`);
  return result.stdout;
}

export interface Sshd {
  port: number;
  /** Where uploads may go. */
  target: string;
  user: string;
  stop(): Promise<void>;
}

/** OpenSSH's sshd with `internal-sftp`, from a temporary config on a loopback port. */
export async function startSshd(authorizedKey: string): Promise<Sshd | string> {
  const binary = ['/usr/sbin/sshd', '/usr/local/sbin/sshd'].find((candidate) => existsSync(candidate));
  if (!binary) return 'sshd is not installed (apt-get install openssh-server)';
  const dir = await mkdtemp(path.join(tmpdir(), 'posdrop-sshd-'));
  const port = await freePort();
  const hostKey = path.join(dir, 'host_key');
  spawnSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', hostKey]);
  await writeFile(path.join(dir, 'authorized_keys'), `${authorizedKey}\n`, { mode: 0o600 });
  const target = path.join(dir, 'target');
  await mkdir(target);
  if (process.getuid?.() === 0) await mkdir('/run/sshd', { recursive: true });
  const config = path.join(dir, 'sshd_config');
  await writeFile(
    config,
    [
      `Port ${port}`,
      'ListenAddress 127.0.0.1',
      `HostKey ${hostKey}`,
      `AuthorizedKeysFile ${path.join(dir, 'authorized_keys')}`,
      'StrictModes no',
      'UsePAM no',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'PermitRootLogin prohibit-password',
      `PidFile ${path.join(dir, 'sshd.pid')}`,
      'Subsystem sftp internal-sftp',
      '',
    ].join('\n'),
  );
  const child = spawn(binary, ['-D', '-e', '-f', config], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr?.on('data', (chunk: Buffer) => (log += chunk.toString()));
  const deadline = Date.now() + 10_000;
  while (!log.includes('Server listening')) {
    if (child.exitCode !== null || Date.now() > deadline) return `sshd did not start: ${log.trim()}`;
    await sleep(20);
  }
  const user = (spawnSync('id', ['-un'], { encoding: 'utf8' }).stdout || 'root').trim();
  return { port, target, user, stop: () => stopChild(child) };
}

export interface Timed {
  seconds: number;
  stdout: string;
}

/** How an `sftp -b` session ended: its exit code and what it printed, with its wall time. */
export interface SftpRun extends Timed {
  code: number | null;
  stderr: string;
}

/** `sftp -b` with a key: how it ended and the wall time of the whole session. */
export async function runSftp(port: number, user: string, keyFile: string, commands: string[]): Promise<SftpRun> {
  const batch = path.join(await mkdtemp(path.join(tmpdir(), 'posdrop-batch-')), 'batch');
  await writeFile(batch, `${commands.join('\n')}\n`);
  const args = ['-b', batch, '-i', keyFile, '-P', String(port), '-o', 'StrictHostKeyChecking=no',
    '-o', 'UserKnownHostsFile=/dev/null', '-o', 'LogLevel=ERROR', `${user}@127.0.0.1`];
  const started = process.hrtime.bigint();
  const child = spawn('sftp', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  await rm(path.dirname(batch), { recursive: true, force: true });
  return { code, seconds: Number(process.hrtime.bigint() - started) / 1e9, stdout, stderr };
}

/** `sftp -b` with a key that must succeed; resolves with the wall time of the whole session. */
export async function timedSftp(port: number, user: string, keyFile: string, commands: string[]): Promise<Timed> {
  const run = await runSftp(port, user, keyFile, commands);
  if (run.code !== 0) throw new Error(`sftp exited with ${run.code}: ${run.stderr.trim()}`);
  return run;
}

/** Samples a process's resident memory every `everyMs` until stopped; resolves the peak in MB. */
export function sampleRss(pid: number, everyMs = 10): { stop(): number } {
  let peak = 0;
  const read = () => {
    try {
      const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      if (match) peak = Math.max(peak, Number(match[1]) / 1024);
    } catch {
      // the process is gone
    }
  };
  read();
  const timer = setInterval(read, everyMs);
  return {
    stop() {
      clearInterval(timer);
      read();
      return peak;
    },
  };
}

export function rssMb(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) / 1024 : 0;
}

export async function keyPair(dir: string): Promise<{ keyFile: string; publicKey: string }> {
  const keyFile = path.join(dir, 'bench_key');
  spawnSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', keyFile]);
  return { keyFile, publicKey: (await readFile(`${keyFile}.pub`, 'utf8')).trim() };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** A TCP port on 127.0.0.1 that was free a moment ago (for a server that cannot take port 0). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}
