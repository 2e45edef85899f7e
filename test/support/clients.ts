/** The clients partners use: OpenSSH's `sftp -b` and ssh2's client. */
import { spawn } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import ssh2, { type ConnectConfig, type SFTPWrapper } from 'ssh2';
import type { TestPartner } from './daemon.js';

export interface BatchResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs OpenSSH `sftp -b` with key authentication. Each command line may start with `-` to let
 * the batch go on when it fails (as in sftp's own batch syntax).
 */
export async function sftpBatch(port: number, partner: TestPartner, commands: string[], extraArgs: string[] = []): Promise<BatchResult> {
  const dir = await mkdtemp(path.join(tmpdir(), 'posdrop-batch-'));
  const batch = path.join(dir, 'batch');
  await writeFile(batch, `${commands.join('\n')}\n`);
  const args = [
    '-b', batch,
    '-i', partner.keyFile,
    '-P', String(port),
    '-o', 'StrictHostKeyChecking=no',
    '-o', 'UserKnownHostsFile=/dev/null',
    '-o', 'IdentitiesOnly=yes',
    '-o', 'LogLevel=ERROR',
    ...extraArgs,
    `${partner.id}@127.0.0.1`,
  ];
  return run('sftp', args);
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

/** Logs in with ssh2's client (key by default) and opens SFTP. */
export function connectSftp(port: number, partner: TestPartner, auth: Partial<ConnectConfig> = {}): Promise<Ssh2Session> {
  return new Promise((resolve, reject) => {
    const client = new ssh2.Client();
    client.on('error', reject);
    client.on('ready', () => {
      client.sftp((err, sftp) => {
        if (err) return reject(err);
        resolve({ client, sftp, end: () => client.end() });
      });
    });
    client.connect({
      host: '127.0.0.1',
      port,
      username: partner.id,
      ...(auth.password === undefined ? { privateKey: partner.privateKey } : {}),
      readyTimeout: 10_000,
      ...auth,
    });
  });
}

/** Promisified ssh2 SFTP calls used by the tests. */
export const sftpCall = {
  put: (sftp: SFTPWrapper, local: string, remote: string) =>
    new Promise<void>((resolve, reject) => sftp.fastPut(local, remote, (err) => (err ? reject(err) : resolve()))),
  writeFile: (sftp: SFTPWrapper, remote: string, data: string | Buffer) =>
    new Promise<void>((resolve, reject) => sftp.writeFile(remote, data, (err) => (err ? reject(err) : resolve()))),
  readFile: (sftp: SFTPWrapper, remote: string) =>
    new Promise<Buffer>((resolve, reject) => sftp.readFile(remote, (err, data) => (err ? reject(err) : resolve(data)))),
  readdir: (sftp: SFTPWrapper, remote: string) =>
    new Promise<ssh2.FileEntryWithStats[]>((resolve, reject) => sftp.readdir(remote, (err, list) => (err ? reject(err) : resolve(list)))),
  stat: (sftp: SFTPWrapper, remote: string) =>
    new Promise<ssh2.Stats>((resolve, reject) => sftp.stat(remote, (err, stats) => (err ? reject(err) : resolve(stats)))),
  rename: (sftp: SFTPWrapper, from: string, to: string) =>
    new Promise<void>((resolve, reject) => sftp.rename(from, to, (err) => (err ? reject(err) : resolve()))),
  unlink: (sftp: SFTPWrapper, remote: string) =>
    new Promise<void>((resolve, reject) => sftp.unlink(remote, (err) => (err ? reject(err) : resolve()))),
};

/** The SFTP status code an error carries (2 no such file, 3 permission denied, 4 failure). */
export function sftpCode(err: unknown): number | undefined {
  return (err as { code?: number } | undefined)?.code;
}
