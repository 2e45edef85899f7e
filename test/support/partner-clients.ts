/**
 * The SFTP clients partners run, behind one interface so that one scenario can drive each of
 * them: OpenSSH `sftp` here, lftp, curl and paramiko in their own modules. Each call is one run of
 * the client (one connection), as a partner's script would do it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import ssh2 from 'ssh2';
import { run, sftpBatch, startSftpBatch, type BatchResult } from './clients.js';
import type { TestDaemon, TestPartner } from './daemon.js';

/** Where a client connects, and the host key it must find there. */
export interface Endpoint {
  port: number;
  /** The server's public key line, `ssh-ed25519 AAAA… comment`. */
  hostPublicKey: string;
}

/** A client as a partner uses it. Paths are remote, absolute (`/inbox/name`). */
export interface PartnerClient {
  put(local: string, remote: string): Promise<void>;
  /** Starts an upload slow enough to be killed half-way; the process leads its own group. */
  startSlowPut(local: string, remote: string): Promise<ChildProcess>;
  /** Completes a partial upload with the client's own resume command. */
  resume(local: string, remote: string): Promise<void>;
  /** The names in a remote folder. */
  list(folder: string): Promise<string[]>;
  get(remote: string, local: string): Promise<void>;
  rename(from: string, to: string): Promise<void>;
  remove(remote: string): Promise<void>;
}

/** Whether a client is installed: its version, or why its cases are skipped. */
export type ClientAvailability = { version: string } | { version?: undefined; missing: string };

/** The daemon's address and host key, as a partner is given them. */
export async function endpointOf(daemon: TestDaemon): Promise<Endpoint> {
  const hostPublicKey = (await readFile(daemon.path('keys', 'ssh_host_ed25519_key.pub'), 'utf8')).trim();
  return { port: daemon.port, hostPublicKey };
}

/** The key blob's SHA-256 in base64 without padding, as `ssh-keygen -l` and curl write it. */
export function hostKeySha256(hostPublicKey: string): string {
  const blob = Buffer.from(hostPublicKey.split(' ')[1] ?? '', 'base64');
  return createHash('sha256').update(blob).digest('base64').replace(/=+$/, '');
}

/** Writes `<keyFile>.pub` beside the partner's private key (curl's libssh2 asks for both). */
export async function writePublicKey(partner: TestPartner): Promise<string> {
  const parsed = ssh2.utils.parseKey(partner.privateKey);
  if (parsed instanceof Error) throw parsed;
  const key = Array.isArray(parsed) ? parsed[0] : parsed;
  const file = `${partner.keyFile}.pub`;
  await writeFile(file, `${key.type} ${key.getPublicSSH().toString('base64')}\n`);
  return file;
}

/** Throws with the client's own words when it failed. */
export function succeeded(result: BatchResult, what: string): BatchResult {
  if (result.code !== 0) throw new Error(`${what} failed (exit ${result.code}): ${result.stderr.trim() || result.stdout.trim()}`);
  return result;
}

/** Runs `command` and reads the first line matching `pattern`; undefined when it cannot run. */
export async function versionFrom(command: string, args: string[], pattern: RegExp): Promise<string | undefined> {
  try {
    const result = await run(command, args, { timeoutMs: 10_000 });
    return `${result.stdout}\n${result.stderr}`.match(pattern)?.[1];
  } catch {
    return undefined;
  }
}

/** Starts `command` in its own process group, output drained, so a test can kill it whole. */
export function spawnGroup(command: string, args: string[], env: NodeJS.ProcessEnv = process.env): ChildProcess {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], env, detached: true });
  child.stdout?.resume();
  child.stderr?.resume();
  return child;
}

/** OpenSSH's `sftp -b`, with the commands partners type: put, reput, ls -1, get, rename, rm. */
export class OpenSshClient implements PartnerClient {
  constructor(
    private readonly endpoint: Endpoint,
    private readonly partner: TestPartner,
  ) {}

  static async availability(): Promise<ClientAvailability> {
    const version = await versionFrom('ssh', ['-V'], /^(OpenSSH_\S+)/m);
    return version ? { version } : { missing: 'OpenSSH sftp is not installed (Debian package openssh-client)' };
  }

  async put(local: string, remote: string): Promise<void> {
    await this.batch([`put ${local} ${remote}`], 'put');
  }

  startSlowPut(local: string, remote: string): Promise<ChildProcess> {
    // 8 Mbit/s: seconds for a few MB, time enough to pull the plug half-way.
    return startSftpBatch(this.endpoint.port, this.partner, [`put ${local} ${remote}`], { args: ['-l', '8000'] });
  }

  async resume(local: string, remote: string): Promise<void> {
    await this.batch([`reput ${local} ${remote}`], 'reput');
  }

  async list(folder: string): Promise<string[]> {
    const result = await this.batch([`ls -1 ${folder}`], 'ls');
    return namesFromListing(result.stdout.split('\n').filter((line) => !line.startsWith('sftp>')));
  }

  async get(remote: string, local: string): Promise<void> {
    await this.batch([`get ${remote} ${local}`], 'get');
  }

  async rename(from: string, to: string): Promise<void> {
    await this.batch([`rename ${from} ${to}`], 'rename');
  }

  async remove(remote: string): Promise<void> {
    await this.batch([`rm ${remote}`], 'rm');
  }

  private async batch(commands: string[], what: string): Promise<BatchResult> {
    return succeeded(await sftpBatch(this.endpoint.port, this.partner, commands), `sftp ${what}`);
  }
}

/** Bare names from listing lines that may carry a folder prefix (`/inbox/name`, `/outbox/`). */
export function namesFromListing(lines: string[]): string[] {
  return lines
    .map((line) => line.trim().replace(/\/+$/, ''))
    .filter(Boolean)
    .map((line) => line.slice(line.lastIndexOf('/') + 1));
}
