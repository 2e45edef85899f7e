/**
 * "The client may resend the failed transactions with the same filename": a `put` onto a name
 * still waiting in /inbox replaces the file, with OpenSSH sftp, WinSCP's requests and paramiko;
 * the old file's record is withdrawn and says why. An upload cut off by the size limit gets a
 * `rejected` receipt naming the limit, which the SFTP status message names too.
 */
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectSftp, OPEN_MODE, sftpBatch, sftpCall, sftpCode, STATUS } from '../support/clients.js';
import { TestDaemon, waitFor, type TestPartner } from '../support/daemon.js';
import { ParamikoClient } from '../support/paramiko-client.js';
import { endpointOf } from '../support/partner-clients.js';
import { batch, purchase } from '../support/pos-batches.js';
import { BUILT_IN_FORMATS } from '../../src/formats/registry.js';
import type { FormatSpec } from '../../src/formats/types.js';
import { winscpUpload } from '../support/winscp-replay.js';

/** A day's 0002 with no 0001 yet: it waits, `held`, in the inbox. */
const heldName = (day: number) => `202401${String(day).padStart(2, '0')}_0002_acme_pos_resend.json`;
const firstOf = (day: number) => `202401${String(day).padStart(2, '0')}_0001_acme_pos_first.json`;

describe('a put onto a file still waiting in /inbox', () => {
  let daemon: TestDaemon;
  let acme: TestPartner;
  let local: string;

  beforeAll(async () => {
    daemon = await TestDaemon.start();
    acme = await daemon.addPartner({ id: 'acme', formats: ['crowdtwist-pos'] });
    local = await mkdtemp(path.join(tmpdir(), 'posdrop-replace-'));
  });
  afterAll(() => daemon.destroy());

  const rows = async (name: string) => (await daemon.ledger('acme')).filter((row) => row.name === name);

  /** The old record withdrawn, the new one held in its place, the inbox holding the new bytes. */
  async function expectReplaced(name: string, second: string): Promise<void> {
    const held = await daemon.arrived('acme', name, Buffer.from(second));
    expect(held.state).toBe('held');
    const [old, ...rest] = await rows(name);
    expect(rest).toEqual([held]);
    expect(old).toMatchObject({ sha256: expect.not.stringMatching(held.sha256), state: 'rejected', reasonCode: 'withdrawn' });
    expect(old?.reason).toBe('the file was replaced by another file of the same name before it was processed');
    expect((await daemon.fileEvents(old!.id)).map((event) => event.state)).toEqual(['received', 'queued', 'held', 'rejected']);
    expect(await readFile(daemon.path('partners', 'acme', 'inbox', name), 'utf8')).toBe(second);
    // the receipt follows the ledger: the old file's said it was withdrawn, then the new one's
    const receipt = await waitFor(async () => {
      const found = await daemon.receipt('acme', name);
      return found.sha256 === held.sha256 && found.state === 'held' && found;
    });
    expect(receipt).toMatchObject({ state: 'held', waiting_for: expect.stringContaining('_0001_acme_pos_') });
    expect(receipt.replaced).toEqual([{ id: old?.id, sha256: old?.sha256, received_at: old?.receivedAt }]);
    const withdrawn = daemon.events('file.rejected').find((line) => line.id === old?.id);
    expect(withdrawn).toMatchObject({ reason_code: 'withdrawn', reason: old?.reason });
  }

  it('replaces it with OpenSSH sftp, and the replacement is the one processed', async () => {
    const name = heldName(1);
    const first = batch(purchase('replace-old'));
    const second = batch(purchase('replace-new'));
    await writeFile(path.join(local, 'first.json'), first);
    await writeFile(path.join(local, 'second.json'), second);
    expect((await sftpBatch(daemon.port, acme, [`put ${path.join(local, 'first.json')} /inbox/${name}`])).code).toBe(0);
    await daemon.arrived('acme', name, Buffer.from(first));
    const put = await sftpBatch(daemon.port, acme, [`put ${path.join(local, 'second.json')} /inbox/${name}`]);
    expect(put.code, put.stderr).toBe(0);
    await expectReplaced(name, second);
    // the gap fills: the replacement is processed, the withdrawn bytes never were
    await writeFile(path.join(local, 'gap.json'), batch(purchase('replace-gap')));
    expect((await sftpBatch(daemon.port, acme, [`put ${path.join(local, 'gap.json')} /inbox/${firstOf(1)}`])).code).toBe(0);
    const processed = await waitFor(async () => {
      const found = await daemon.receipt('acme', name);
      return found.state === 'processed' && found;
    }, 30_000);
    expect(processed.replaced).toEqual([expect.objectContaining({ id: (await rows(name))[0]?.id })]);
    const stored = (await daemon.rows<{ receipt_id: string }>("SELECT receipt_id FROM crowdtwist_purchases WHERE receipt_id LIKE 'replace-%' ORDER BY receipt_id")).map((row) => row.receipt_id);
    expect(stored).toEqual(['replace-gap', 'replace-new']);
  });

  it("replaces it with WinSCP's requests (STAT, .filepart, REMOVE, RENAME)", async () => {
    const name = heldName(2);
    const first = batch(purchase('winscp-old'));
    const second = batch(purchase('winscp-new'));
    const session = await connectSftp(daemon.port, acme);
    await winscpUpload(session.sftp, Buffer.from(first), `/inbox/${name}`);
    await daemon.arrived('acme', name, Buffer.from(first));
    await winscpUpload(session.sftp, Buffer.from(second), `/inbox/${name}`);
    session.end();
    const held = await daemon.arrived('acme', name, Buffer.from(second));
    const [old] = await rows(name);
    expect(old).toMatchObject({ state: 'rejected', reasonCode: 'withdrawn' });
    expect(held.state).toBe('held');
    expect(await readFile(daemon.path('partners', 'acme', 'inbox', name), 'utf8')).toBe(second);
  });

  it('replaces it with paramiko', async () => {
    const availability = await ParamikoClient.availability();
    if (!availability.version) {
      console.warn(`skipped: ${'missing' in availability ? availability.missing : ''}`);
      return;
    }
    const client = new ParamikoClient(await endpointOf(daemon), acme);
    const name = heldName(3);
    const first = batch(purchase('paramiko-old'));
    const second = batch(purchase('paramiko-new'));
    await writeFile(path.join(local, 'p1.json'), first);
    await writeFile(path.join(local, 'p2.json'), second);
    await client.put(path.join(local, 'p1.json'), `/inbox/${name}`);
    await daemon.arrived('acme', name, Buffer.from(first));
    await client.put(path.join(local, 'p2.json'), `/inbox/${name}`);
    await expectReplaced(name, second);
  });

  it('still refuses an exclusive create onto the waiting name', async () => {
    const name = heldName(4);
    const session = await connectSftp(daemon.port, acme);
    await sftpCall.writeFile(session.sftp, `/inbox/${name}`, batch(purchase('excl-old')));
    await daemon.arrived('acme', name, Buffer.from(batch(purchase('excl-old'))));
    const refused = await sftpCall.open(session.sftp, `/inbox/${name}`, OPEN_MODE.WRITE | OPEN_MODE.CREAT | OPEN_MODE.EXCL).then(
      () => undefined,
      (err: unknown) => err as Error,
    );
    session.end();
    expect(refused && sftpCode(refused)).toBe(STATUS.FAILURE);
    expect(refused?.message).toMatch(/already waiting/);
  });
});

describe('a put onto a file still queued', () => {
  let daemon: TestDaemon;
  let shop: TestPartner;

  beforeAll(async () => {
    // PBJ without its processor: its files stay queued, as behind a long file of the partner's
    const formats = new Map(BUILT_IN_FORMATS.map((spec) => [spec.id, spec.id === 'pbj-offline-sales' ? { ...spec, processor: undefined } : spec]));
    daemon = await TestDaemon.start({}, { formats: (id) => formats.get(id as FormatSpec['id']) });
    shop = await daemon.addPartner({ id: 'shop', formats: ['pbj-offline-sales'] });
  });
  afterAll(() => daemon.destroy());

  it('replaces it with OpenSSH sftp, withdrawing the queued record', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'posdrop-queued-'));
    const name = 'sales.csv';
    await writeFile(path.join(dir, 'a.csv'), 'first\n');
    await writeFile(path.join(dir, 'b.csv'), 'second\n');
    expect((await sftpBatch(daemon.port, shop, [`put ${path.join(dir, 'a.csv')} /inbox/${name}`])).code).toBe(0);
    const first = await waitFor(async () => (await daemon.ledger('shop')).find((row) => row.state === 'queued'));
    expect((await sftpBatch(daemon.port, shop, [`put ${path.join(dir, 'b.csv')} /inbox/${name}`])).code).toBe(0);
    await waitFor(async () => (await daemon.ledger('shop')).length === 2 && (await daemon.ledger('shop'))[1]?.state === 'queued');
    const [old, queued] = await daemon.ledger('shop');
    expect(old).toMatchObject({ id: first.id, state: 'rejected', reasonCode: 'withdrawn' });
    expect(queued).toMatchObject({ state: 'queued', size: 7 });
    expect(await readFile(daemon.path('partners', 'shop', 'inbox', name), 'utf8')).toBe('second\n');
  });
});

describe('an upload cut off by the size limit', () => {
  let daemon: TestDaemon;
  let small: TestPartner;

  beforeAll(async () => {
    daemon = await TestDaemon.start({ sftp: { max_upload_bytes: 64 * 1024 } });
    small = await daemon.addPartner({ id: 'small', formats: ['crowdtwist-pos'] });
  });
  afterAll(() => daemon.destroy());

  it('gets a rejected receipt naming the limit, and the status message says the same', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'posdrop-cap-'));
    const name = '20240201_0001_small_pos_big.json';
    await writeFile(path.join(dir, name), randomBytes(200 * 1024));
    const put = await sftpBatch(daemon.port, small, [`put ${path.join(dir, name)} /inbox/`]);
    expect(put.code).not.toBe(0);
    // OpenSSH sftp shows only the status code ("Failure"); the message is in the reply itself
    expect(put.stderr).toContain('Failure');
    const limit = 'the upload limit of 64 KiB (65,536 bytes)';
    const receipt = await waitFor(async () => {
      const found = await daemon.receipt('small', name).catch(() => undefined);
      return found?.state === 'rejected' && found;
    }, 30_000);
    expect(receipt.reason).toEqual({ code: 'oversize', message: `${name} is larger than ${limit}; the upload was discarded` });
    expect(await daemon.folder('small', 'inbox')).toEqual([]);
    expect(await daemon.ledger('small')).toEqual([expect.objectContaining({ name, state: 'rejected', reasonCode: 'oversize' })]);
    expect(receipt.outputs).toBeUndefined();
    // the status message of the refused WRITE says what the receipt says
    const session = await connectSftp(daemon.port, small);
    const handle = await sftpCall.open(session.sftp, `/inbox/${name}`, 'w');
    const status = await sftpCall.write(session.sftp, handle, randomBytes(1024), 64 * 1024).then(
      () => undefined,
      (err: unknown) => err as Error,
    );
    session.end();
    expect(status && sftpCode(status)).toBe(STATUS.FAILURE);
    expect(status?.message).toBe((receipt.reason as { message: string }).message);
    // sent again within the limit, the name is taken as usual
    await writeFile(path.join(dir, name), batch(purchase('small-1')));
    expect((await sftpBatch(daemon.port, small, [`put ${path.join(dir, name)} /inbox/`])).code).toBe(0);
    await waitFor(async () => (await daemon.receipt('small', name)).state === 'processed', 30_000);
  });

  it('answers a /validate upload cut off the same way, in its dry-run receipt', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'posdrop-cap-'));
    const name = '20240201_0002_small_pos_check.json';
    await writeFile(path.join(dir, name), randomBytes(100 * 1024));
    expect((await sftpBatch(daemon.port, small, [`put ${path.join(dir, name)} /validate/`])).code).not.toBe(0);
    const receipt = await waitFor(async () => {
      const found = await daemon.receipt('small', `${name}.dry-run`).catch(() => undefined);
      return found?.state === 'rejected' && found;
    }, 30_000);
    expect(receipt).toMatchObject({ dry_run: true, reason: { code: 'oversize', message: expect.stringContaining('64 KiB (65,536 bytes)') } });
  });
});
