/** The clients partners use: OpenSSH's `sftp -b` and ssh2's client. */
import { spawn, type ChildProcess } from 'node:child_process';
import { chmod, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import ssh2, { type Attributes, type ConnectConfig, type SFTPWrapper } from 'ssh2';
import type { TestPartner } from './daemon.js';

export interface BatchResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface BatchOptions {
  /** `key` (default): the partner's ed25519 key file; `password`: typed in through SSH_ASKPASS. */
  auth?: 'key' | 'password';
  /** Use this password instead of the partner's own (a wrong one, for instance). */
  password?: string;
  /** More `sftp` arguments, before the destination. */
  args?: string[];
  /** sftp is killed after this long (30 s by default). */
  timeoutMs?: number;
}

/**
 * Runs OpenSSH `sftp -b`. Each command line may start with `-` to let the batch go on when it
 * fails (as in sftp's own batch syntax).
 */
export async function sftpBatch(port: number, partner: TestPartner, commands: string[], options: BatchOptions = {}): Promise<BatchResult> {
  const { args, env } = await batchInvocation(port, partner, commands, options);
  return run('sftp', args, { env, ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}) });
}

/** Starts `sftp -b` and leaves it running (to be killed mid-upload); its own process group. */
export async function startSftpBatch(port: number, partner: TestPartner, commands: string[], options: BatchOptions = {}): Promise<ChildProcess> {
  const { args, env } = await batchInvocation(port, partner, commands, options);
  const child = spawn('sftp', args, { stdio: ['ignore', 'pipe', 'pipe'], env, detached: true });
  child.stdout?.resume();
  child.stderr?.resume();
  return child;
}

/** Kills `child` and everything it started (sftp runs ssh as its child), as a pulled plug would. */
export function killGroup(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    try {
      process.kill(-(child.pid as number), 'SIGKILL');
    } catch {
      child.kill('SIGKILL');
    }
  });
}

async function batchInvocation(
  port: number,
  partner: TestPartner,
  commands: string[],
  options: BatchOptions,
): Promise<{ args: string[]; env: NodeJS.ProcessEnv }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'posdrop-batch-'));
  const batch = path.join(dir, 'batch');
  await writeFile(batch, `${commands.join('\n')}\n`);
  const common = [
    '-P', String(port),
    '-o', 'StrictHostKeyChecking=no',
    '-o', 'UserKnownHostsFile=/dev/null',
    '-o', 'LogLevel=ERROR',
    '-o', 'ConnectTimeout=10',
  ];
  const destination = `${partner.id}@127.0.0.1`;
  if (options.auth !== 'password') {
    return {
      args: ['-b', batch, '-i', partner.keyFile, '-o', 'IdentitiesOnly=yes', ...common, ...(options.args ?? []), destination],
      env: process.env,
    };
  }
  // `-b` turns BatchMode on, which forbids password prompts; ssh keeps the first value it is
  // given for an option, so BatchMode=no must come before -b. The password comes from an
  // askpass program, which ssh uses without a terminal when SSH_ASKPASS_REQUIRE=force.
  const askpass = path.join(dir, 'askpass');
  await writeFile(askpass, '#!/bin/sh\nprintf "%s\\n" "$POSDROP_TEST_PASSWORD"\n');
  await chmod(askpass, 0o700);
  return {
    args: [
      '-o', 'BatchMode=no',
      '-o', 'PreferredAuthentications=password',
      '-o', 'PubkeyAuthentication=no',
      '-o', 'NumberOfPasswordPrompts=1',
      '-b', batch,
      ...common,
      ...(options.args ?? []),
      destination,
    ],
    env: {
      ...process.env,
      SSH_ASKPASS: askpass,
      SSH_ASKPASS_REQUIRE: 'force',
      DISPLAY: process.env.DISPLAY ?? ':0',
      POSDROP_TEST_PASSWORD: options.password ?? partner.password,
    },
  };
}

export function run(command: string, args: string[], options: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<BatchResult> {
  return new Promise((resolve, reject) => {
    // stdin must not be a terminal: OpenSSH would try to read it.
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], env: options.env ?? process.env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 30_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

export interface Ssh2Session {
  client: ssh2.Client;
  sftp: SFTPWrapper;
  end(): void;
}

/** Connects and logs in with ssh2's client; resolves when ready. The caller ends it. */
export function connectSsh(port: number, config: ConnectConfig): Promise<ssh2.Client> {
  return new Promise((resolve, reject) => {
    const client = new ssh2.Client();
    client.once('error', reject);
    client.once('close', () => reject(new Error('the connection closed before it was ready')));
    client.once('ready', () => {
      client.removeListener('error', reject);
      client.on('error', () => undefined);
      resolve(client);
    });
    client.connect({ host: '127.0.0.1', port, readyTimeout: 10_000, ...config });
  });
}

/** Logs in with ssh2's client (key by default) and opens SFTP. */
export async function connectSftp(port: number, partner: TestPartner, auth: Partial<ConnectConfig> = {}): Promise<Ssh2Session> {
  const client = await connectSsh(port, {
    username: partner.id,
    ...(auth.password === undefined && auth.agent === undefined ? { privateKey: partner.privateKey } : {}),
    ...auth,
  });
  const sftp = await new Promise<SFTPWrapper>((resolve, reject) =>
    client.sftp((err, channel) => (err ? reject(err) : resolve(channel))),
  );
  return { client, sftp, end: () => client.end() };
}

/** Resolves when the client's connection has closed (the server cut it, or it ended). */
export function closed(client: ssh2.Client): Promise<void> {
  return new Promise((resolve) => {
    const sock = (client as unknown as { _sock?: { destroyed?: boolean } })._sock;
    if (sock?.destroyed) return resolve();
    client.once('close', () => resolve());
  });
}

type Done<T> = (err: Error | null | undefined, value: T) => void;

function call<T>(start: (done: Done<T>) => void): Promise<T> {
  return new Promise<T>((resolve, reject) => start((err, value) => (err ? reject(err) : resolve(value))));
}

/** Promisified ssh2 SFTP calls used by the tests. */
export const sftpCall = {
  put: (sftp: SFTPWrapper, local: string, remote: string) =>
    call<void>((done) => sftp.fastPut(local, remote, (err) => done(err, undefined))),
  writeFile: (sftp: SFTPWrapper, remote: string, data: string | Buffer) =>
    call<void>((done) => sftp.writeFile(remote, data, (err) => done(err, undefined))),
  readFile: (sftp: SFTPWrapper, remote: string) => call<Buffer>((done) => sftp.readFile(remote, done)),
  readdir: (sftp: SFTPWrapper, remote: string) => call<ssh2.FileEntryWithStats[]>((done) => sftp.readdir(remote, done)),
  stat: (sftp: SFTPWrapper, remote: string) => call<ssh2.Stats>((done) => sftp.stat(remote, done)),
  lstat: (sftp: SFTPWrapper, remote: string) => call<ssh2.Stats>((done) => sftp.lstat(remote, done)),
  rename: (sftp: SFTPWrapper, from: string, to: string) =>
    call<void>((done) => sftp.rename(from, to, (err) => done(err, undefined))),
  unlink: (sftp: SFTPWrapper, remote: string) => call<void>((done) => sftp.unlink(remote, (err) => done(err, undefined))),
  realpath: (sftp: SFTPWrapper, remote: string) => call<string>((done) => sftp.realpath(remote, done)),
  open: (sftp: SFTPWrapper, remote: string, flags: ssh2.OpenMode | number) =>
    call<Buffer>((done) => sftp.open(remote, flags as ssh2.OpenMode, done)),
  write: (sftp: SFTPWrapper, handle: Buffer, data: Buffer, position: number) =>
    call<void>((done) => sftp.write(handle, data, 0, data.length, position, (err) => done(err, undefined))),
  read: (sftp: SFTPWrapper, handle: Buffer, length: number, position: number) =>
    call<Buffer>((done) =>
      sftp.read(handle, Buffer.alloc(length), 0, length, position, (err, bytesRead, buffer) =>
        err ? done(err, Buffer.alloc(0)) : done(null, buffer.subarray(0, bytesRead)),
      ),
    ),
  close: (sftp: SFTPWrapper, handle: Buffer) => call<void>((done) => sftp.close(handle, (err) => done(err, undefined))),
  fstat: (sftp: SFTPWrapper, handle: Buffer) => call<ssh2.Stats>((done) => sftp.fstat(handle, done)),
  setstat: (sftp: SFTPWrapper, remote: string, attrs: Partial<Attributes>) =>
    call<void>((done) => sftp.setstat(remote, attrs as Attributes, (err) => done(err, undefined))),
  fsetstat: (sftp: SFTPWrapper, handle: Buffer, attrs: Partial<Attributes>) =>
    call<void>((done) => sftp.fsetstat(handle, attrs as Attributes, (err) => done(err, undefined))),
  opendir: (sftp: SFTPWrapper, remote: string) => call<Buffer>((done) => sftp.opendir(remote, done)),
  mkdir: (sftp: SFTPWrapper, remote: string) => call<void>((done) => sftp.mkdir(remote, (err) => done(err, undefined))),
  rmdir: (sftp: SFTPWrapper, remote: string) => call<void>((done) => sftp.rmdir(remote, (err) => done(err, undefined))),
  symlink: (sftp: SFTPWrapper, target: string, link: string) =>
    call<void>((done) => sftp.symlink(target, link, (err) => done(err, undefined))),
  readlink: (sftp: SFTPWrapper, remote: string) => call<string>((done) => sftp.readlink(remote, done)),
};

/** The SFTP status code an error carries (2 no such file, 3 permission denied, 4 failure). */
export function sftpCode(err: unknown): number | undefined {
  return (err as { code?: number } | undefined)?.code;
}

/** Runs `promise`, expecting it to fail; resolves with its SFTP status code and message. */
export async function refusal(promise: Promise<unknown>): Promise<{ code: number | undefined; message: string }> {
  try {
    await promise;
  } catch (err) {
    return { code: sftpCode(err), message: (err as Error).message };
  }
  throw new Error('expected the request to be refused, and it succeeded');
}

export const STATUS = ssh2.utils.sftp.STATUS_CODE;
export const OPEN_MODE = ssh2.utils.sftp.OPEN_MODE;
