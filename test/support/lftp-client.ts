/**
 * lftp, as partners script it: `lftp -c 'open …; put …'`. lftp speaks SFTP itself but reaches the
 * server through `ssh -s … sftp` (its `sftp:connect-program`), so the partner's key and the
 * server's pinned host key are given to that ssh.
 */
import type { ChildProcess } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { run } from './clients.js';
import type { TestPartner } from './daemon.js';
import {
  namesFromListing,
  spawnGroup,
  succeeded,
  versionFrom,
  type ClientAvailability,
  type Endpoint,
  type PartnerClient,
} from './partner-clients.js';

export class LftpClient implements PartnerClient {
  private constructor(
    private readonly endpoint: Endpoint,
    private readonly partner: TestPartner,
    private readonly knownHosts: string,
  ) {}

  static async availability(): Promise<ClientAvailability> {
    const version = await versionFrom('lftp', ['--version'], /Version (\S+)/);
    return version ? { version } : { missing: 'lftp is not installed (Debian package lftp; .ci/run installs it)' };
  }

  /** Pins the server's host key in a known_hosts file beside the partner's key. */
  static async create(endpoint: Endpoint, partner: TestPartner): Promise<LftpClient> {
    const knownHosts = path.join(path.dirname(partner.keyFile), `${partner.id}.lftp-known-hosts`);
    await writeFile(knownHosts, `[127.0.0.1]:${endpoint.port} ${endpoint.hostPublicKey}\n`);
    return new LftpClient(endpoint, partner, knownHosts);
  }

  async put(local: string, remote: string): Promise<void> {
    await this.run([`put ${local} -o ${remote}`], 'put');
  }

  async startSlowPut(local: string, remote: string): Promise<ChildProcess> {
    // About 4 Mbit/s: seconds for a few MB, time enough to pull the plug half-way.
    return spawnGroup('lftp', ['-c', this.script(['set net:limit-rate 500000', `put ${local} -o ${remote}`])]);
  }

  async resume(local: string, remote: string): Promise<void> {
    // `put -c` (continue), which lftp's `reput` is an alias of.
    await this.run([`put -c ${local} -o ${remote}`], 'put -c');
  }

  async list(folder: string): Promise<string[]> {
    const result = await this.run([`cls -1 ${folder}`], 'cls');
    return namesFromListing(result.stdout.split('\n'));
  }

  async get(remote: string, local: string): Promise<void> {
    await this.run([`get ${remote} -o ${local}`], 'get');
  }

  async rename(from: string, to: string): Promise<void> {
    await this.run([`mv ${from} ${to}`], 'mv');
  }

  async remove(remote: string): Promise<void> {
    await this.run([`rm ${remote}`], 'rm');
  }

  private async run(commands: string[], what: string) {
    return succeeded(await run('lftp', ['-c', this.script(commands)], { timeoutMs: 60_000 }), `lftp ${what}`);
  }

  private script(commands: string[]): string {
    const ssh = [
      'ssh -a -x',
      `-i ${this.partner.keyFile}`,
      '-o IdentitiesOnly=yes',
      '-o BatchMode=yes',
      `-o UserKnownHostsFile=${this.knownHosts}`,
      '-o StrictHostKeyChecking=yes',
      '-o LogLevel=ERROR',
    ].join(' ');
    return [
      `set sftp:connect-program "${ssh}"`,
      // Fail at once instead of retrying for minutes, and stop at the first failed command.
      'set net:max-retries 1',
      'set cmd:fail-exit yes',
      `open -u ${this.partner.id}, -p ${this.endpoint.port} sftp://127.0.0.1`,
      ...commands,
    ].join('; ');
  }
}
