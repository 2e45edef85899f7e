/**
 * OpenPGP uploads made by gpg, as partners' tools make them, uploaded with OpenSSH sftp: decrypted
 * with the server's key, signatures checked where the partner's settings ask, refused with the
 * reason otherwise, and the plaintext never left outside the spool.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestDaemon, waitFor, type TestPartner } from '../support/daemon.js';
import { drop } from '../support/drop.js';

const HAVE_GPG = existsSync('/usr/bin/gpg');
if (!HAVE_GPG) console.warn('encrypted-uploads: /usr/bin/gpg is missing (apt-get install gnupg), so the OpenPGP cases are skipped');

const KEYS = ['server@posdrop.test', 'acme@partner.test', 'mallory@elsewhere.test'];

describe.skipIf(!HAVE_GPG)('OpenPGP uploads', () => {
  let daemon: TestDaemon;
  let acme: TestPartner;
  let plain: TestPartner;
  let home: string;
  let work: string;

  const gpg = (...args: string[]) => execFileSync('gpg', ['--batch', '--yes', '--quiet', '--trust-model', 'always', ...args], { env: { ...process.env, GNUPGHOME: home } });
  /** `content` as `name`, run through gpg with `args` (encrypt, sign, armor…). */
  const sealed = async (name: string, content: string | Buffer, ...args: string[]): Promise<Buffer> => {
    const input = path.join(work, name);
    await writeFile(input, content);
    gpg(...args, '-o', `${input}.out`, input);
    return readFile(`${input}.out`);
  };
  const count = async (listId: string) => Number(await daemon.value('SELECT count(*) FROM carma_purchases WHERE list_id = ?', listId));
  const member = (partner: string, name: string) =>
    waitFor(async () => {
      const receipt = await daemon.receipt(partner, name);
      return ['processed', 'rejected'].includes(receipt.state as string) && receipt;
    }, 15_000);

  beforeAll(async () => {
    work = await mkdtemp(path.join(tmpdir(), 'posdrop-pgp-'));
    home = path.join(work, 'gnupg');
    await mkdir(home, { mode: 0o700 });
    const params = KEYS.map((email) =>
      ['%no-protection', 'Key-Type: EDDSA', 'Key-Curve: ed25519', 'Subkey-Type: ECDH', 'Subkey-Curve: cv25519', `Name-Real: ${email.split('@')[0]}`, `Name-Email: ${email}`, 'Expire-Date: 0', '%commit'].join('\n'),
    );
    await writeFile(path.join(work, 'params'), `${params.join('\n')}\n`);
    gpg('--gen-key', path.join(work, 'params'));
    await writeFile(path.join(work, 'server.sec.asc'), gpg('--armor', '--export-secret-keys', KEYS[0]!));
    await writeFile(path.join(work, 'acme.pub'), gpg('--export', KEYS[1]!)); // binary, as gpg exports by default
    daemon = await TestDaemon.start({
      pgp: {
        private_key_file: path.join(work, 'server.sec.asc'),
        partners: { acme: { public_key_file: path.join(work, 'acme.pub'), require_signature: true } },
      },
    });
    acme = await daemon.addPartner({ id: 'acme', formats: ['carma-purchase-history'] });
    plain = await daemon.addPartner({ id: 'plain', formats: ['carma-purchase-history'] });
  }, 60_000);
  afterAll(() => daemon?.destroy());

  it('decrypts a signed file and an armored one, and takes what is inside under its own name', async () => {
    const binary = await sealed('purchasehistory_E1_a.csv', 'o-1;S;1.00\no-2;S;2.00\n', '-r', KEYS[0]!, '-u', KEYS[1]!, '--sign', '--encrypt');
    expect(await drop(daemon, acme, 'purchasehistory_E1_a.csv.gpg', binary)).toMatchObject({ state: 'processed', counts: { total: 1, accepted: 1 } });
    expect(await member('acme', 'purchasehistory_E1_a.csv')).toMatchObject({ state: 'processed', counts: { total: 2, accepted: 2 } });

    const armored = await sealed('purchasehistory_E2_a.csv', 'o-1;S;1.00\n', '--armor', '-r', KEYS[0]!, '-u', KEYS[1]!, '--sign', '--encrypt');
    expect(armored.toString('latin1')).toMatch(/^-----BEGIN PGP MESSAGE-----/);
    expect(await drop(daemon, acme, 'purchasehistory_E2_a.csv.asc', armored)).toMatchObject({ state: 'processed' });
    expect(await member('acme', 'purchasehistory_E2_a.csv')).toMatchObject({ state: 'processed', counts: { accepted: 1 } });
    expect([await count('E1'), await count('E2')]).toEqual([2, 1]);
  });

  it("refuses a file of a partner whose signature is required when it is unsigned or signed by another key", async () => {
    const unsigned = await sealed('purchasehistory_S1_a.csv', 'o-1;S;1.00\n', '-r', KEYS[0]!, '--encrypt');
    const refused = await drop(daemon, acme, 'purchasehistory_S1_a.csv.pgp', unsigned);
    expect(refused).toMatchObject({ state: 'rejected', reason: { code: 'bad_signature' } });
    expect((refused.reason as { message: string }).message).toBe(
      "the file's signature is missing or not good (Message is not signed): this account's files must be signed with its registered key",
    );
    const forged = await sealed('purchasehistory_S2_a.csv', 'o-1;S;1.00\n', '-r', KEYS[0]!, '-u', KEYS[2]!, '--sign', '--encrypt');
    expect(await drop(daemon, acme, 'purchasehistory_S2_a.csv.pgp', forged)).toMatchObject({ state: 'rejected', reason: { code: 'bad_signature' } });
    await daemon.idle();
    expect([await count('S1'), await count('S2')]).toEqual([0, 0]);
    expect(await daemon.folder('acme', 'inbox')).toEqual([]);
    // the plaintext of the refused files is gone from the spool too
    expect(await readdir(path.join(daemon.dataDir, 'spool', '.unpack')).catch(() => [])).toEqual([]);
  });

  it('refuses a file encrypted to another key, and bytes that are no OpenPGP message', async () => {
    const elsewhere = await sealed('purchasehistory_X1_a.csv', 'o-1;S;1.00\n', '-r', KEYS[2]!, '--encrypt');
    const wrongKey = await drop(daemon, plain, 'purchasehistory_X1_a.csv.gpg', elsewhere);
    expect(wrongKey).toMatchObject({ state: 'rejected', reason: { code: 'not_decryptable' } });
    expect((wrongKey.reason as { message: string }).message).toMatch(/could not be decrypted with this server's key/);
    expect(await drop(daemon, plain, 'purchasehistory_X2_a.csv.pgp', 'o-1;S;1.00\n')).toMatchObject({ state: 'rejected', reason: { code: 'not_decryptable' } });
    expect((await count('X1')) + (await count('X2'))).toBe(0);
  });

  it('opens a compressed file inside an encrypted one, each layer answered', async () => {
    const inner = path.join(work, 'purchasehistory_L9_a.csv');
    await writeFile(inner, 'o-1;S;1.00\no-2;S;1.00\no-3;S;1.00\n');
    execFileSync('gzip', ['-k', inner]);
    const sealedGz = await sealed('purchasehistory_L9_a.csv.gz', await readFile(`${inner}.gz`), '-r', KEYS[0]!, '--encrypt');
    expect(await drop(daemon, plain, 'purchasehistory_L9_a.csv.gz.gpg', sealedGz)).toMatchObject({ state: 'processed' });
    expect(await member('plain', 'purchasehistory_L9_a.csv.gz')).toMatchObject({ state: 'processed', counts: { total: 1, accepted: 1 } });
    expect(await member('plain', 'purchasehistory_L9_a.csv')).toMatchObject({ state: 'processed', counts: { accepted: 3 } });
    expect(await count('L9')).toBe(3);
  });
});
