/**
 * The clients partners actually run, each driven through the same scenario against the running
 * daemon: upload, resume of an upload killed half-way (with the client's own resume command),
 * listing, download of a receipt, and replacing a file by renaming a temporary upload onto its
 * name. A client that is not installed has its cases skipped, and the suite's title says why.
 * WinSCP, which cannot run here, is replayed request by request in clients-winscp.test.ts.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { killGroup } from '../support/clients.js';
import { CurlClient } from '../support/curl-client.js';
import { sha256, TestDaemon, waitFor, type TestPartner, NAMES_JUDGED_BY_PIPELINE } from '../support/daemon.js';
import { recordFigure } from '../support/figures.js';
import { LftpClient } from '../support/lftp-client.js';
import { ParamikoClient } from '../support/paramiko-client.js';
import { endpointOf, OpenSshClient, type ClientAvailability, type Endpoint, type PartnerClient } from '../support/partner-clients.js';

interface ClientCase {
  name: string;
  /** What the partner types to resume, for the test's title. */
  resumeCommand: string;
  /** The SSH identification the daemon sees from this client. */
  ident: RegExp;
  availability: ClientAvailability;
  create(endpoint: Endpoint, partner: TestPartner): Promise<PartnerClient>;
}

const CLIENTS: ClientCase[] = [
  {
    name: 'OpenSSH sftp',
    resumeCommand: 'reput',
    ident: /^SSH-2\.0-OpenSSH_/,
    availability: await OpenSshClient.availability(),
    create: async (endpoint, partner) => new OpenSshClient(endpoint, partner),
  },
  {
    name: 'lftp',
    resumeCommand: 'put -c',
    // lftp reaches the server through OpenSSH's ssh.
    ident: /^SSH-2\.0-OpenSSH_/,
    availability: await LftpClient.availability(),
    create: (endpoint, partner) => LftpClient.create(endpoint, partner),
  },
  {
    name: 'curl',
    resumeCommand: 'curl -C - -T',
    ident: /^SSH-2\.0-libssh2_/,
    availability: await CurlClient.availability(),
    create: (endpoint, partner) => CurlClient.create(endpoint, partner),
  },
  {
    name: 'paramiko',
    resumeCommand: "open(name, 'r+') and seek",
    ident: /^SSH-2\.0-paramiko_/,
    availability: await ParamikoClient.availability(),
    create: async (endpoint, partner) => new ParamikoClient(endpoint, partner),
  },
];

/** Counters from 0101 and never a 0001 for that day: each file stays `held`, pending in the inbox. */
const posName = (counter: number) => `20240105_${String(100 + counter).padStart(4, '0')}_acme_pos_compat.json`;

function title(client: ClientCase): string {
  const { availability } = client;
  return availability.version !== undefined ? `${client.name} ${availability.version}` : `${client.name}: skipped, ${availability.missing}`;
}

for (const client of CLIENTS) {
  describe.skipIf(client.availability.version === undefined)(title(client), () => {
    let daemon: TestDaemon;
    let partner: PartnerClient;
    let local: string;

    beforeAll(async () => {
      daemon = await TestDaemon.start(NAMES_JUDGED_BY_PIPELINE);
      const acme = await daemon.addPartner({ id: 'acme' });
      partner = await client.create(await endpointOf(daemon), acme);
      local = await mkdtemp(path.join(tmpdir(), 'posdrop-compat-'));
    });
    afterAll(() => daemon.destroy());

    /** Writes `data` to a local file named `name`. */
    async function localFile(name: string, data: Buffer): Promise<string> {
      const file = path.join(local, name);
      await writeFile(file, data);
      return file;
    }

    it('uploads a batch, byte for byte', async () => {
      const name = posName(1);
      const data = randomBytes(300_000);
      await partner.put(await localFile(name, data), `/inbox/${name}`);
      expect(await daemon.arrived('acme', name, data)).toMatchObject({ size: data.length, state: 'held' });
      expect(sha256(await readFile(daemon.path('partners', 'acme', 'inbox', name)))).toBe(sha256(data));
    });

    it(`resumes an upload killed half-way with ${client.resumeCommand}, byte for byte`, async () => {
      const name = posName(2);
      const data = randomBytes(4 * 1024 * 1024);
      const file = await localFile(name, data);
      const spoolFile = daemon.path('spool', 'acme', 'inbox', `${name}.part`);
      const disconnects = daemon.events('sftp.disconnected').length;

      const upload = await partner.startSlowPut(file, `/inbox/${name}`);
      await waitFor(async () => (await stat(spoolFile)).size >= 512 * 1024, 30_000);
      await killGroup(upload);
      await waitFor(() => daemon.events('sftp.disconnected').length > disconnects, 30_000);
      const partial = (await stat(spoolFile)).size;
      expect(partial).toBeLessThan(data.length);
      expect(await daemon.folder('acme', 'inbox')).not.toContain(name);

      await partner.resume(file, `/inbox/${name}`);
      expect(await daemon.spool('acme')).not.toContain(`${name}.part`);
      expect(await daemon.arrived('acme', name, data)).toMatchObject({ size: data.length, state: 'held' });
    });

    it('lists /, /inbox and /outbox as they are on disk', async () => {
      const name = posName(3);
      await partner.put(await localFile(name, randomBytes(1000)), `/inbox/${name}`);
      await waitFor(async () => (await daemon.outbox('acme')).includes(`${name}.receipt.json`), 30_000);
      expect((await partner.list('/')).sort()).toEqual(['inbox', 'outbox', 'validate']);
      const inbox = await partner.list('/inbox');
      expect(inbox).toContain(name);
      expect(inbox.sort()).toEqual(await daemon.folder('acme', 'inbox'));
      expect((await partner.list('/outbox')).sort()).toEqual(await daemon.outbox('acme'));
    });

    it('downloads a receipt from /outbox', async () => {
      const name = posName(4);
      await partner.put(await localFile(name, randomBytes(2000)), `/inbox/${name}`);
      await waitFor(async () => (await daemon.receipt('acme', name)).state === 'held', 30_000);
      const downloaded = path.join(local, `${name}.receipt.json`);
      await partner.get(`/outbox/${name}.receipt.json`, downloaded);
      const receipt = JSON.parse(await readFile(downloaded, 'utf8')) as Record<string, unknown>;
      expect(receipt).toEqual(await daemon.receipt('acme', name));
      expect(receipt).toMatchObject({ file: name, state: 'held', waiting_for: '20240105_0001_acme_pos_*.json' });
    });

    it('replaces a pending file: upload under a temporary name, remove the old one, rename', async () => {
      const name = posName(5);
      const first = randomBytes(5000);
      const second = randomBytes(6000);
      await partner.put(await localFile(name, first), `/inbox/${name}`);
      await daemon.arrived('acme', name, first);
      // A temporary name (*.tmp) is never taken for processing, however long it waits.
      await partner.put(await localFile(`${name}.tmp`, second), `/inbox/${name}.tmp`);
      await partner.remove(`/inbox/${name}`);
      await partner.rename(`/inbox/${name}.tmp`, `/inbox/${name}`);
      expect(await daemon.arrived('acme', name, second)).toMatchObject({ size: second.length, state: 'held' });
      expect((await daemon.ledger('acme')).find((row) => row.name === name && row.sha256 === sha256(first))).toMatchObject({
        state: 'rejected',
        reasonCode: 'withdrawn',
      });
      expect((await daemon.ledger('acme')).some((row) => row.name.endsWith('.tmp'))).toBe(false);
    });

    it('renames a corrected file onto the name of one already processed', async () => {
      // A name no rule accepts is refused and archived at once; its name still answers STAT for a
      // while (for clients that check an upload after closing it), and must not block the rename.
      const name = 'notes.txt';
      const first = Buffer.from('first notes\n');
      const second = Buffer.from('second notes\n');
      await partner.put(await localFile(name, first), `/inbox/${name}`);
      await waitFor(async () => (await daemon.receipt('acme', name)).sha256 === sha256(first), 30_000);
      await waitFor(async () => !(await daemon.folder('acme', 'inbox')).includes(name), 30_000);
      await partner.put(await localFile(`${name}.tmp`, second), `/inbox/${name}.tmp`);
      await partner.rename(`/inbox/${name}.tmp`, `/inbox/${name}`);
      expect(await daemon.arrived('acme', name, second)).toMatchObject({ state: 'rejected', reasonCode: 'name_unrecognised' });
    });

    it('settled every connection on algorithms without SHA-1 or CBC', async () => {
      const handshakes = daemon.events('sftp.handshake');
      expect(handshakes.length).toBeGreaterThan(0);
      for (const handshake of handshakes) {
        expect(handshake.client).toMatch(client.ident);
        expect(handshake.kex).not.toMatch(/sha1|group1-/);
        expect(handshake.host_key).toBe('ssh-ed25519');
        expect(handshake.cipher).not.toMatch(/cbc/);
        expect(handshake.mac).not.toMatch(/sha1|md5/);
      }
      const { client: ident, kex, cipher, mac } = handshakes[0] as Record<string, unknown>;
      await recordFigure('negotiated', client.name, { ident, kex, cipher, mac });
    });
  });
}
