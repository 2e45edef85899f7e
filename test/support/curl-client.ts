/**
 * curl with `sftp://` URLs (libssh2 underneath), as partners script it: `-T` to upload, `-C -` to
 * resume, `-l` to list, `-Q` for rename and rm. The server's key is pinned by its SHA-256.
 */
import type { ChildProcess } from 'node:child_process';
import { run } from './clients.js';
import type { TestPartner } from './daemon.js';
import {
  hostKeySha256,
  namesFromListing,
  spawnGroup,
  succeeded,
  versionFrom,
  writePublicKey,
  type ClientAvailability,
  type Endpoint,
  type PartnerClient,
} from './partner-clients.js';

export class CurlClient implements PartnerClient {
  private constructor(
    private readonly endpoint: Endpoint,
    private readonly partner: TestPartner,
    private readonly publicKeyFile: string,
  ) {}

  /** curl's version and its libssh2's, when curl was built with SFTP. */
  static async availability(): Promise<ClientAvailability> {
    const version = await versionFrom('curl', ['-V'], /^curl (\S+)/m);
    const libssh2 = await versionFrom('curl', ['-V'], /libssh2\/(\S+)/);
    if (!version) return { missing: 'curl is not installed (Debian package curl)' };
    if (!libssh2) return { missing: `curl ${version} was built without SFTP (no libssh2)` };
    return { version: `${version} (libssh2 ${libssh2})` };
  }

  static async create(endpoint: Endpoint, partner: TestPartner): Promise<CurlClient> {
    return new CurlClient(endpoint, partner, await writePublicKey(partner));
  }

  async put(local: string, remote: string): Promise<void> {
    await this.curl(['-T', local, this.url(remote)], 'upload');
  }

  async startSlowPut(local: string, remote: string): Promise<ChildProcess> {
    return spawnGroup('curl', [...this.common(), '--limit-rate', '500k', '-T', local, this.url(remote)]);
  }

  async resume(local: string, remote: string): Promise<void> {
    // `-C -`: curl asks the server for the size it has and sends the rest.
    await this.curl(['-C', '-', '-T', local, this.url(remote)], 'resume');
  }

  async list(folder: string): Promise<string[]> {
    const result = await this.curl(['-l', this.url(`${folder}/`)], 'list');
    return namesFromListing(result.stdout.split('\n'));
  }

  async get(remote: string, local: string): Promise<void> {
    await this.curl(['-o', local, this.url(remote)], 'download');
  }

  async rename(from: string, to: string): Promise<void> {
    await this.quote(`rename ${from} ${to}`);
  }

  async remove(remote: string): Promise<void> {
    await this.quote(`rm ${remote}`);
  }

  /** A quote command runs before the transfer; the transfer is a listing of / that is dropped. */
  private async quote(command: string): Promise<void> {
    await this.curl(['-Q', command, '-l', '-o', '/dev/null', this.url('/')], command.split(' ')[0] as string);
  }

  private async curl(args: string[], what: string) {
    return succeeded(await run('curl', [...this.common(), ...args], { timeoutMs: 60_000 }), `curl ${what}`);
  }

  private common(): string[] {
    return [
      '--silent',
      '--show-error',
      '--hostpubsha256', hostKeySha256(this.endpoint.hostPublicKey),
      '--user', `${this.partner.id}:`,
      '--key', this.partner.keyFile,
      '--pubkey', this.publicKeyFile,
    ];
  }

  private url(remote: string): string {
    return `sftp://127.0.0.1:${this.endpoint.port}${remote}`;
  }
}
