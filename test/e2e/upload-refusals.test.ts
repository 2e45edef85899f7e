/**
 * Refusals said at upload time: a name the intake would refuse (no rule of the partner takes it,
 * a CrowdTwist date after today by the daemon's clock, a PBJ name already used) is refused at
 * OPEN, CLOSE or RENAME over SFTP and before its body over the partner APIs, with the reason the
 * receipt gives; an upload past the size limit over the APIs is recorded like one over SFTP.
 * Each case: the client's answer, the receipt in /outbox, the ledger row, an empty inbox.
 */
import { mkdtemp, readFile, rename, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiBase, call, createApiKey, shell } from '../support/api-client.js';
import { connectSftp, refusal, sftpBatch, sftpCall, STATUS } from '../support/clients.js';
import { TestDaemon, waitFor, type TestPartner } from '../support/daemon.js';
import { ParamikoClient } from '../support/paramiko-client.js';
import { endpointOf } from '../support/partner-clients.js';

const DAY_MS = 86_400_000;
const paramiko = await ParamikoClient.availability();
const ALREADY = 'This file has already been uploaded';

/** A PBJ file of `count` sales whose ORDER_IDs start at `first` (ORDER_IDs are unique per channel). */
function pbjCsv(first: number, count = 3): string {
  const lines = ['ORDER_ID,DRAW_NO,CUSTOMER_ID,PRODUCT,QUANTITY,AMOUNT,PAYMENT_METHOD,SALE_DATE'];
  for (let i = 0; i < count; i++) lines.push(`${first + i},42,CUST-${first + i},Charity Lottery Ticket,1,2.50,card,2020-04-01`);
  return `${lines.join('\n')}\n`;
}

describe('refusals at upload time', () => {
  let daemon: TestDaemon;
  let shop: TestPartner;
  let local: string;
  let base: string;
  let key: string;

  /** `YYYYMMDD` of the daemon's clock, `days` from now. */
  const day = (days: number) => new Date(daemon.clock.now().getTime() + days * DAY_MS).toISOString().slice(0, 10).replaceAll('-', '');
  const rows = async (partner: string, name: string) => (await daemon.ledger(partner)).filter((row) => row.name === name);
  const localFile = async (name: string, content: string | Buffer) => {
    const file = path.join(local, name);
    await writeFile(file, content);
    return file;
  };
  /** Nothing of the refused upload reached the inbox, or stayed in the spool. */
  const nothingDelivered = async (partner: string) => {
    await daemon.idle();
    expect(await daemon.folder(partner, 'inbox')).toEqual([]);
    expect(await daemon.spool(partner)).toEqual([]);
    expect(await daemon.deliverySpool(partner)).toEqual([]);
  };
  const pbjUpload = async (name: string, content: string) => {
    const login = await call(`${base}/api-admin/login`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ username: 'shop', password: key }) });
    const token = (login.json() as { result: { access_token: string } }).result.access_token;
    const body = new FormData();
    body.append('file', new Blob([content], { type: 'text/csv' }), name);
    return call(`${base}/bulk-sales/files`, { method: 'POST', headers: { accept: 'application/json', Authorization: `Bearer ${token}` }, body });
  };

  beforeAll(async () => {
    daemon = await TestDaemon.start();
    shop = await daemon.addPartner({ id: 'shop', clientId: '12', channels: ['direct-mail'], formats: ['crowdtwist-pos', 'pbj-offline-sales'] });
    await daemon.addPartner({ id: 'tiny', formats: ['pbj-offline-sales'], maxUploadBytes: 1024 });
    await daemon.addPartner({ id: 'carma', formats: ['carma-purchase-history'], maxUploadBytes: 1024, options: { carma_customer_id: '4711' } });
    key = await createApiKey(daemon, 'shop');
    base = apiBase(daemon);
    local = await mkdtemp(path.join(tmpdir(), 'posdrop-refusals-'));
  });
  afterAll(() => daemon.destroy());

  it('refuses at OPEN a name no rule of the partner accepts: OpenSSH sees the code, ssh2 the reason, /outbox the receipt', async () => {
    const file = await localFile('prices.xlsx', 'not a batch');
    const put = await sftpBatch(daemon.port, shop, [`put ${file} /inbox/`]);
    expect(put.code).not.toBe(0);
    // OpenSSH's sftp prints the status code's own text, never the server's message
    expect(put.stderr).toMatch(/dest open "\/inbox\/prices\.xlsx": Permission denied/);

    const receipt = await daemon.receipt('shop', 'prices.xlsx');
    expect(receipt).toMatchObject({ state: 'rejected', size: 0, sha256: '', reason: { code: 'name_unrecognised' } });
    const reason = (receipt.reason as { message: string }).message;
    expect(reason).toMatch(/^"prices\.xlsx" does not match any accepted file name: YYYYMMDD_NNNN_12_pos_<any>\.json \[crowdtwist-pos\]; <any>\.csv/);
    expect(receipt.accepted_names).toEqual([expect.stringContaining('[crowdtwist-pos]'), expect.stringContaining('[pbj-offline-sales]')]);
    expect(await rows('shop', 'prices.xlsx')).toEqual([expect.objectContaining({ state: 'rejected', reasonCode: 'name_unrecognised', reason, leftInboxAt: expect.any(String) })]);

    const session = await connectSftp(daemon.port, shop);
    const refused = await refusal(sftpCall.open(session.sftp, '/inbox/prices.xlsx', 'w'));
    session.end();
    expect(refused).toEqual({ code: STATUS.PERMISSION_DENIED, message: reason });
    expect(await rows('shop', 'prices.xlsx')).toHaveLength(2);
    await nothingDelivered('shop');
  });

  it.skipIf(!paramiko.version)(`shows the reason to a client that prints the server's message (paramiko ${paramiko.version ?? paramiko.missing})`, async () => {
    const file = await localFile('stock.ods', 'not a batch');
    const client = new ParamikoClient(await endpointOf(daemon), shop);
    const failed = await client.put(file, '/inbox/stock.ods').then(() => undefined, (err: Error) => err.message);
    const receipt = await daemon.receipt('shop', 'stock.ods');
    expect(receipt).toMatchObject({ state: 'rejected', reason: { code: 'name_unrecognised' } });
    expect(failed).toContain(`[Errno 13] ${(receipt.reason as { message: string }).message}`);
    await nothingDelivered('shop');
  });

  it('refuses at OPEN a CrowdTwist name dated after today by the daemon clock, and takes it once that day has come', async () => {
    const name = `${day(1)}_0001_12_pos_batch.json`;
    const session = await connectSftp(daemon.port, shop);
    const refused = await refusal(sftpCall.open(session.sftp, `/inbox/${name}`, 'w'));
    expect(refused.code).toBe(STATUS.PERMISSION_DENIED);
    expect(refused.message).toBe(`the date ${day(1)} is after today (${new Date(daemon.clock.now()).toISOString().slice(0, 10)}, UTC)`);
    expect(await daemon.receipt('shop', name)).toMatchObject({ state: 'rejected', reason: { code: 'name_date_future', message: refused.message } });
    await nothingDelivered('shop');

    const file = await localFile(name, await readFile(new URL('../../fixtures/crowdtwist/seed-example.json', import.meta.url)));
    const put = await sftpBatch(daemon.port, shop, [`put ${file} /inbox/`]);
    expect(put.stderr).toMatch(/Permission denied/);

    // the same calendar rule as the pipeline's, on the same clock: a day later the name is fine
    daemon.clock.advance(DAY_MS);
    try {
      await sftpCall.put(session.sftp, file, `/inbox/${name}`);
      const taken = await waitFor(async () => (await rows('shop', name)).find((row) => row.sha256 !== '' && row.state === 'processed'));
      expect(taken).toMatchObject({ format: 'crowdtwist-pos' });
    } finally {
      daemon.clock.advance(-DAY_MS);
      session.end();
    }
    expect((await rows('shop', name)).map((row) => row.reasonCode)).toEqual(['name_date_future', 'name_date_future', null]);
  });

  it('refuses at OPEN a PBJ name already used, answering beside the accepted file as the pipeline does', async () => {
    const name = 'direct-mail_20-04-2020_1.csv';
    const session = await connectSftp(daemon.port, shop);
    await sftpCall.writeFile(session.sftp, `/inbox/${name}`, pbjCsv(1000));
    const accepted = await waitFor(async () => (await rows('shop', name)).find((row) => row.state === 'processed'));

    const file = await localFile(name, pbjCsv(2000));
    const put = await sftpBatch(daemon.port, shop, [`put ${file} /inbox/`]);
    expect(put.code).not.toBe(0);
    expect(put.stderr).toMatch(/dest open "\/inbox\/direct-mail_20-04-2020_1\.csv": Permission denied/);
    const refused = await refusal(sftpCall.open(session.sftp, `/inbox/${name}`, 'w'));
    session.end();
    expect(refused).toEqual({ code: STATUS.PERMISSION_DENIED, message: ALREADY });

    const [, first, second] = await rows('shop', name);
    expect(first).toMatchObject({ state: 'rejected', reasonCode: 'name_used', format: 'pbj-offline-sales', sha256: '' });
    expect(second).toMatchObject({ state: 'rejected', reasonCode: 'name_used' });
    const receipt = await daemon.receipt('shop', name);
    expect(receipt).toMatchObject({ state: 'rejected', reason: { code: 'name_used', message: ALREADY }, outputs: [`${name}.upload-${second?.id}.result.json`] });
    const outbox = daemon.path('partners', 'shop', 'outbox');
    expect(JSON.parse(await readFile(path.join(outbox, `${name}.upload-${second?.id}.result.json`), 'utf8'))).toEqual({ error: { code: 400, message: ALREADY } });
    // the accepted file's own answer stays
    expect(JSON.parse(await readFile(path.join(outbox, `${name}.result.json`), 'utf8'))).toEqual({ result: 3 });
    expect(accepted.id).toBeLessThan(first?.id ?? 0);
    await nothingDelivered('shop');
  });

  it('refuses at CLOSE a PBJ name used while the upload was open, and keeps nothing of it', async () => {
    const name = 'direct-mail_22-04-2020_3.csv';
    const session = await connectSftp(daemon.port, shop);
    const handle = await sftpCall.open(session.sftp, `/inbox/${name}`, 'w');
    const content = Buffer.from(pbjCsv(3000));
    await sftpCall.write(session.sftp, handle, content, 0);
    // meanwhile a file of that name comes in another way (an operator's copy) and is accepted
    const copy = daemon.path('partners', 'shop', `.${name}`);
    await writeFile(copy, pbjCsv(4000));
    await rename(copy, daemon.path('partners', 'shop', 'inbox', name));
    await waitFor(async () => (await rows('shop', name)).find((row) => row.state === 'processed'));

    const refused = await refusal(sftpCall.close(session.sftp, handle));
    session.end();
    expect(refused).toEqual({ code: STATUS.FAILURE, message: ALREADY });
    const last = (await rows('shop', name)).at(-1);
    expect(last).toMatchObject({ state: 'rejected', reasonCode: 'name_used', size: content.length, sha256: '' });
    expect(await daemon.receipt('shop', name)).toMatchObject({ state: 'rejected', size: content.length, reason: { code: 'name_used' } });
    await nothingDelivered('shop');
  });

  it('never refuses a temporary name, and refuses its RENAME onto a name no rule accepts', async () => {
    const session = await connectSftp(daemon.port, shop);
    await sftpCall.writeFile(session.sftp, '/inbox/report.pdf.filepart', 'a report');
    expect(await daemon.spool('shop')).toEqual(['report.pdf.filepart.part']);
    const refused = await refusal(sftpCall.rename(session.sftp, '/inbox/report.pdf.filepart', '/inbox/report.pdf'));
    expect(refused.code).toBe(STATUS.PERMISSION_DENIED);
    expect(refused.message).toMatch(/^"report\.pdf" does not match any accepted file name/);
    expect(await daemon.receipt('shop', 'report.pdf')).toMatchObject({ state: 'rejected', size: 8, reason: { code: 'name_unrecognised', message: refused.message } });
    expect(await daemon.folder('shop', 'inbox')).toEqual([]);
    // the partial keeps its temporary name: renamed onto an accepted name, it is delivered
    await sftpCall.rename(session.sftp, '/inbox/report.pdf.filepart', '/inbox/direct-mail_23-04-2020_4.csv');
    session.end();
    expect(await waitFor(async () => (await rows('shop', 'direct-mail_23-04-2020_4.csv'))[0])).toMatchObject({ sha256: expect.stringMatching(/^[0-9a-f]{64}$/) });

    const file = await localFile('notes.txt.tmp', 'notes');
    const batch = await sftpBatch(daemon.port, shop, [`put ${file} /inbox/`, '-rename /inbox/notes.txt.tmp /inbox/notes.txt', 'ls -1 /inbox']);
    expect(batch.stderr).toMatch(/remote rename "\/inbox\/notes\.txt\.tmp" to "\/inbox\/notes\.txt": Permission denied/);
    expect(await daemon.receipt('shop', 'notes.txt')).toMatchObject({ state: 'rejected', size: 5, reason: { code: 'name_unrecognised' } });
    // refused, the upload keeps its temporary name, for the partner to rename or remove
    expect(batch.stdout).toMatch(/\/inbox\/notes\.txt\.tmp\n/);
    expect((await sftpBatch(daemon.port, shop, ['rm /inbox/notes.txt.tmp'])).code).toBe(0);
    await nothingDelivered('shop');
  });

  it('lets /validate take any name: a dry run completes, and its receipt says what the inbox would answer', async () => {
    const file = await localFile('ledger.ods', 'a dry run');
    const put = await sftpBatch(daemon.port, shop, [`put ${file} /validate/`]);
    expect(put.code, put.stderr).toBe(0);
    const receipt = await waitFor(() => daemon.receipt('shop', 'ledger.ods.dry-run').catch(() => undefined));
    expect(receipt).toMatchObject({ dry_run: true, state: 'rejected', reason: { code: 'name_unrecognised' } });
    expect(await rows('shop', 'ledger.ods')).toEqual([]);
  });

  it("answers PBJ's POST /bulk-sales/files with the guide's 400 body for a used or unaccepted name, before the body is kept", async () => {
    const name = 'direct-mail_20-04-2020_1.csv';
    const before = (await rows('shop', name)).length;
    const again = await pbjUpload(name, pbjCsv(5000));
    expect(again.status).toBe(400);
    expect(again.json()).toEqual({ error: { code: 400, message: ALREADY } });
    const row = (await rows('shop', name)).at(-1);
    expect(await rows('shop', name)).toHaveLength(before + 1);
    expect(row).toMatchObject({ state: 'rejected', reasonCode: 'name_used', via: 'http', sha256: '' });
    expect(await daemon.receipt('shop', name)).toMatchObject({ state: 'rejected', via: 'http', reason: { code: 'name_used', message: ALREADY } });

    // the same with curl, for a name neither of the partner's rules takes
    await writeFile(path.join(local, 'sales.txt'), pbjCsv(6000));
    const login = await call(`${base}/api-admin/login`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ username: 'shop', password: key }) });
    const token = (login.json() as { result: { access_token: string } }).result.access_token;
    const curl = await shell(`curl -s -w '\\n%{http_code}' -X POST "${base}/bulk-sales/files" -H "accept: application/json" -H 'Authorization: Bearer ${token}' -F "file=@sales.txt;type=text/csv"`, local);
    const [body, status] = curl.stdout.split('\n');
    expect(status).toBe('400');
    const message = (await daemon.receipt('shop', 'sales.txt')).reason as { code: string; message: string };
    expect(message.code).toBe('name_unrecognised');
    expect(JSON.parse(body ?? '')).toEqual({ error: { code: 400, message: message.message } });
    expect(await rows('shop', 'sales.txt')).toEqual([expect.objectContaining({ state: 'rejected', via: 'http' })]);
    await nothingDelivered('shop');
  });

  it('records an API upload past the size limit like one over SFTP: 413, a rejected row, a receipt', async () => {
    const tinyKey = await createApiKey(daemon, 'tiny');
    const login = await call(`${base}/api-admin/login`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ username: 'tiny', password: tinyKey }) });
    const token = (login.json() as { result: { access_token: string } }).result.access_token;
    const form = new FormData();
    form.append('file', new Blob([pbjCsv(7000, 200)], { type: 'text/csv' }), 'direct-mail_24-04-2020_1.csv');
    const pbj = await call(`${base}/bulk-sales/files`, { method: 'POST', headers: { Authorization: `Bearer ${token}` }, body: form });
    expect(pbj.status).toBe(413);
    expect(pbj.json()).toEqual({ error: { code: 413, message: expect.stringMatching(/larger than the upload limit/) } });
    const receipt = await waitFor(() => daemon.receipt('tiny', 'direct-mail_24-04-2020_1.csv').catch(() => undefined));
    expect(receipt).toMatchObject({ state: 'rejected', reason: { code: 'oversize', message: expect.stringMatching(/larger than the upload limit of 1 KiB \(1,024 bytes\)/) } });
    expect(await rows('tiny', 'direct-mail_24-04-2020_1.csv')).toEqual([expect.objectContaining({ state: 'rejected', reasonCode: 'oversize', via: 'http' })]);
    await nothingDelivered('tiny');

    // Carma's data post: its names are posdrop's own (always accepted), so only the size can refuse it
    const carmaKey = await createApiKey(daemon, 'carma');
    const auth = `Basic ${Buffer.from(`carma:${carmaKey}`).toString('base64')}`;
    const opened = (await call(`${base}/rest/4711/purchasehistory/L1/imports`, { method: 'POST', headers: { Authorization: auth, 'Content-Type': 'application/json' }, body: '{}' })).json() as { id: string };
    const data = 'O-1;SKU-1;9.99\n'.repeat(200);
    const posted = await call(`${base}/rest/4711/purchasehistory/L1/imports/${opened.id}/data`, { method: 'POST', headers: { Authorization: auth, 'Content-Type': 'text/csv' }, body: data });
    expect(posted.status).toBe(413);
    expect(posted.json()).toEqual({ error: { code: 413, message: expect.stringMatching(/larger than the upload limit of 1 KiB/) } });
    const name = `purchasehistory_L1_${opened.id}.csv`;
    expect(await waitFor(() => daemon.receipt('carma', name).catch(() => undefined))).toMatchObject({ state: 'rejected', via: 'http', reason: { code: 'oversize' } });
    expect(await rows('carma', name)).toEqual([expect.objectContaining({ state: 'rejected', reasonCode: 'oversize', size: expect.any(Number) })]);
    await nothingDelivered('carma');
  });
});
