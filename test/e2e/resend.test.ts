/**
 * The same bytes under the same name again, through the real daemon. For PBJ, whose names are
 * accepted once, a new arrival (a resend over SFTP, a copy dropped in the inbox) after the first
 * was archived is a file of its own, refused as already uploaded; for the other formats it is the
 * same file, answered again. The same file found again (a restart, a stop between its answer and
 * its archive) is resumed from its state and never processed twice.
 */
import { copyFile, readdir, rename, writeFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { posdrop } from '../support/cli.js';
import { sftpBatch } from '../support/clients.js';
import { TestDaemon, waitFor, type TestPartner, NAMES_JUDGED_BY_PIPELINE } from '../support/daemon.js';
import { drop, fetchJson, fetchOutbox } from '../support/drop.js';
import { posName } from '../support/names.js';
import { storeWrite } from '../support/store-sql.js';
import { batch, purchase } from '../support/pos-batches.js';

const PBJ_HEADER = 'ORDER_ID,DRAW_NO,CUSTOMER_ID,PRODUCT,QUANTITY,AMOUNT,PAYMENT_METHOD,SALE_DATE\n';
const ALREADY = { error: { code: 400, message: 'This file has already been uploaded' } };

describe('a file sent again', () => {
  let daemon: TestDaemon;
  let shop: TestPartner;

  const rows = async (name: string) => (await daemon.ledger('shop')).filter((row) => row.name === name);
  const count = (sql: string, ...params: unknown[]) => daemon.value(sql, ...params);

  /** Uploads `content` again over SFTP and waits until the intake has taken it (the inbox is empty again). */
  async function resend(name: string, content: string): Promise<void> {
    const local = daemon.path(`resend-${name}`);
    await writeFile(local, content);
    expect((await sftpBatch(daemon.port, shop, [`put ${local} /inbox/${name}`])).code).toBe(0);
    await waitFor(async () => !(await daemon.folder('shop', 'inbox')).includes(name));
    await daemon.idle();
  }

  /** Edits the ledger the way a stop between two steps leaves it (the daemon is stopped). */
  const whileStopped = (sql: string, ...params: unknown[]) => storeWrite(daemon, sql, ...params);

  beforeAll(async () => {
    daemon = await TestDaemon.start({ ...NAMES_JUDGED_BY_PIPELINE, clienttoolbox: { shop: { create_new_customers: true, campaigns: [{ id: 'P1', type: 'points' }] } } });
    shop = await daemon.addPartner({ id: 'shop', clientId: '12', channels: ['direct-mail'] });
  });
  afterAll(() => daemon.destroy());

  it('PBJ: identical bytes after processing are refused as already uploaded, in a row of their own', async () => {
    const name = 'direct-mail_20-04-2020_resend.csv';
    const body = `${PBJ_HEADER}8001,7,C1,Ticket,1,2.50,card,2020-04-20\n8002,7,C2,Ticket,1,2.50,card,2020-04-20\n`;
    expect((await drop(daemon, shop, name, body)).state).toBe('processed');
    expect(await fetchJson(daemon, shop, `${name}.result.json`)).toEqual({ result: 2 });

    await resend(name, body);
    const [first, second] = await rows(name);
    // the refusal answers beside the accepted file's answer, which stays
    expect(await fetchJson(daemon, shop, `${name}.upload-${second?.id}.result.json`)).toEqual(ALREADY);
    expect(await fetchJson(daemon, shop, `${name}.result.json`)).toEqual({ result: 2 });
    expect(await daemon.receipt('shop', name)).toMatchObject({ state: 'rejected', reason: { code: 'name_used', message: ALREADY.error.message } });
    expect([first?.state, first?.counts, second?.state, second?.reasonCode]).toEqual(['processed', { total: 2, accepted: 2, failed: 0, duplicates: 0 }, 'rejected', 'name_used']);
    expect(second?.sha256).toBe(first?.sha256);
    expect(await count('SELECT count(*) FROM pbj_sales WHERE order_id IN (8001, 8002)')).toBe(2);

    // What an operator sees: both arrivals, the second naming the first.
    const listed = await posdrop(daemon, ['files', '--partner', 'shop', '--json']);
    expect((JSON.parse(listed.stdout) as { id: number; name: string; state: string }[]).filter((file) => file.name === name).map((file) => file.state)).toEqual(['rejected', 'processed']);
    const shown = await posdrop(daemon, ['show', String(second?.id)]);
    expect(shown.stdout).toContain(`received  the same bytes as file ${first?.id} (processed), sent again after that file left the inbox`);

    // A copy dropped in by hand is a new arrival too, and each original keeps its own archive.
    const staged = daemon.path(`${name}.staged`);
    await writeFile(staged, body);
    await rename(staged, daemon.path('partners', 'shop', 'inbox', name));
    // The watcher sees it; when its event is lost (rarely, a rename onto a name that just left
    // the inbox), the inbox rescan that exists for that case finds it: the same arrival either way.
    const recorded = async () => (await rows(name)).length === 3 && (await rows(name))[2]?.state === 'rejected';
    await waitFor(recorded, 5_000).catch(async () => {
      await daemon.app.running.intake.rescan();
      return waitFor(recorded);
    });
    await daemon.idle();
    expect(await fetchJson(daemon, shop, `${name}.upload-${(await rows(name))[2]?.id}.result.json`)).toEqual(ALREADY);
    expect(await fetchJson(daemon, shop, `${name}.result.json`)).toEqual({ result: 2 });
    const day = first?.receivedAt.slice(0, 10) as string;
    expect((await readdir(daemon.path('archive', 'shop', day))).filter((file) => file.endsWith(name)).sort()).toEqual((await rows(name)).map((row) => `${row.id}-${name}`).sort());
  });

  it('PBJ: a file refused for its content is checked again when its bytes come again, and still uses up no name', async () => {
    const name = 'direct-mail_21-04-2020_bad.csv';
    const body = `${PBJ_HEADER}8101,seven,C1,Ticket,1,2.50,card,2020-04-21\n`;
    expect((await drop(daemon, shop, name, body)).state).toBe('rejected');
    await resend(name, body);
    expect((await rows(name)).map((row) => [row.state, row.reasonCode])).toEqual([['rejected', 'invalid_content'], ['rejected', 'invalid_content']]);
    expect(await drop(daemon, shop, name, body.replace('seven', '7'))).toMatchObject({ state: 'processed' });
  });

  it('PBJ: the same file found in the inbox after a stop between its answer and its archive is finished, not refused', async () => {
    const name = 'direct-mail_22-04-2020_crash.csv';
    const body = `${PBJ_HEADER}8201,7,C1,Ticket,1,2.50,card,2020-04-22\n`;
    expect((await drop(daemon, shop, name, body)).state).toBe('processed');
    const [row] = await rows(name);
    await daemon.stop();
    // processed and answered, but the original not yet moved: it is still in the inbox
    await whileStopped('UPDATE files SET left_inbox_at = NULL WHERE id = ?', row?.id);
    await copyFile(daemon.path(row?.archivePath as string), daemon.path('partners', 'shop', 'inbox', name));
    await daemon.restart();
    await waitFor(async () => !(await daemon.folder('shop', 'inbox')).includes(name));
    await daemon.idle();
    expect((await rows(name)).map((file) => [file.id, file.state])).toEqual([[row?.id, 'processed']]);
    expect((await rows(name))[0]?.leftInboxAt).not.toBeNull();
    expect(await fetchJson(daemon, shop, `${name}.result.json`)).toEqual({ result: 1 });
  });

  it('PBJ: an original archived by a daemon stopped before it could say so has left the inbox', async () => {
    const name = 'direct-mail_23-04-2020_unsaid.csv';
    const body = `${PBJ_HEADER}8301,7,C1,Ticket,1,2.50,card,2020-04-23\n`;
    expect((await drop(daemon, shop, name, body)).state).toBe('processed');
    await daemon.stop();
    await whileStopped('UPDATE files SET left_inbox_at = NULL WHERE name = ?', name);
    await daemon.restart();
    await daemon.idle();
    expect((await rows(name))[0]?.leftInboxAt).not.toBeNull();
    await resend(name, body);
    expect(await fetchJson(daemon, shop, `${name}.upload-${(await rows(name)).at(-1)?.id}.result.json`)).toEqual(ALREADY);
    expect(await fetchJson(daemon, shop, `${name}.result.json`)).toEqual({ result: 1 });
  });

  it('Carma: the same bytes under the same name are the same import, answered again; under another name they are appended', async () => {
    const name = 'purchasehistory_R1_resend.csv';
    const body = 'r-1;S;1.00\nr-2;S;2.00\n';
    expect((await drop(daemon, shop, name, body)).state).toBe('processed');
    const [first] = await rows(name);
    await resend(name, body);
    expect((await rows(name)).map((row) => [row.id, row.state])).toEqual([[first?.id, 'processed']]);
    expect(await count("SELECT count(*) FROM carma_purchases WHERE list_id = 'R1'")).toBe(2);
    expect(await fetchJson(daemon, shop, `${name}.status.json`)).toMatchObject({ id: first?.id, status: 'FINISHED', affected: 2, total: 2 });

    const other = await drop(daemon, shop, 'purchasehistory_R1_second-import.csv', body);
    expect(other.counts).toMatchObject({ accepted: 2, duplicates: 0 });
    expect(await count("SELECT count(*) FROM carma_purchases WHERE list_id = 'R1'")).toBe(4);
  });

  it('CrowdTwist and Client Toolbox: the same bytes again are the same file, answered again and stored once', async () => {
    const pos = posName(1);
    const posBody = batch(purchase('resend-1'), purchase('resend-2'));
    expect((await drop(daemon, shop, pos, posBody)).state).toBe('processed');
    const toolbox = 'transactions_20261124_resend.psv';
    const toolboxBody = 'campaign_id|code|redeemed|amount\nP1|t1|N|25\n';
    expect((await drop(daemon, shop, toolbox, toolboxBody)).state).toBe('processed');
    const receiptBefore = await fetchOutbox(daemon, shop, `${toolbox}.result.xml`);

    await resend(pos, posBody);
    await resend(toolbox, toolboxBody);
    expect(await rows(pos)).toHaveLength(1);
    expect(await rows(toolbox)).toHaveLength(1);
    expect(await count("SELECT count(*) FROM crowdtwist_purchases WHERE receipt_id IN ('resend-1', 'resend-2')")).toBe(2);
    expect(await daemon.receipt('shop', pos)).toMatchObject({ state: 'processed', counts: { accepted: 2, duplicates: 0 } });
    expect(await count("SELECT balance FROM toolbox_balances WHERE code = 't1'")).toBe(2500);
    expect(await fetchOutbox(daemon, shop, `${toolbox}.result.xml`)).toBe(receiptBefore);
  });
});
