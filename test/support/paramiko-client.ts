/**
 * paramiko (Debian's python3-paramiko, run by Debian's own /usr/bin/python3), each action one run
 * of `paramiko-client.py`: `put` (which STATs the file after CLOSE), resume by opening `r+` and
 * seeking, `listdir`, `get`, `rename`, `remove`.
 */
import type { ChildProcess } from 'node:child_process';
import path from 'node:path';
import { run } from './clients.js';
import type { TestPartner } from './daemon.js';
import { spawnGroup, succeeded, versionFrom, type ClientAvailability, type Endpoint, type PartnerClient } from './partner-clients.js';

/** Debian's interpreter, where python3-paramiko installs; not whatever python3 is first on PATH. */
const PYTHON = '/usr/bin/python3';
const SCRIPT = path.resolve(import.meta.dirname, 'paramiko-client.py');

export class ParamikoClient implements PartnerClient {
  constructor(
    private readonly endpoint: Endpoint,
    private readonly partner: TestPartner,
  ) {}

  static async availability(): Promise<ClientAvailability> {
    const version = await versionFrom(PYTHON, ['-c', 'import paramiko; print(paramiko.__version__)'], /^(\d\S*)$/m);
    return version ? { version } : { missing: 'paramiko is not installed for /usr/bin/python3 (Debian package python3-paramiko; .ci/run installs it)' };
  }

  async put(local: string, remote: string): Promise<void> {
    await this.act(['put', local, remote]);
  }

  async startSlowPut(local: string, remote: string): Promise<ChildProcess> {
    return spawnGroup(PYTHON, this.args(['slow-put', local, remote]));
  }

  async resume(local: string, remote: string): Promise<void> {
    await this.act(['resume', local, remote]);
  }

  async list(folder: string): Promise<string[]> {
    const result = await this.act(['list', folder]);
    return result.stdout.split('\n').filter(Boolean);
  }

  async get(remote: string, local: string): Promise<void> {
    await this.act(['get', remote, local]);
  }

  async rename(from: string, to: string): Promise<void> {
    await this.act(['rename', from, to]);
  }

  async remove(remote: string): Promise<void> {
    await this.act(['remove', remote]);
  }

  private async act(action: string[]) {
    return succeeded(await run(PYTHON, this.args(action), { timeoutMs: 60_000 }), `paramiko ${action[0]}`);
  }

  private args(action: string[]): string[] {
    const { port, hostPublicKey } = this.endpoint;
    return [SCRIPT, String(port), this.partner.id, this.partner.keyFile, hostPublicKey, ...action];
  }
}
