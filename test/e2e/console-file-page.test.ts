/**
 * A file's page in the console against the running daemon: every download it offers (the
 * original, archived or still in the inbox, the receipt, the error log, the retry file, a
 * format's own answer) gives the bytes on the disk; record errors page 100 at a time and by
 * code; a Toolbox batch is undone after a confirmation, by the CLI's code, into the file's history.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPassword } from '../../src/security/password.js';
import { posdrop } from '../support/cli.js';
import { ConsoleClient } from '../support/console-client.js';
import { TestDaemon, type TestPartner } from '../support/daemon.js';
import { drop } from '../support/drop.js';
import { posName } from '../support/names.js';
import { batch, purchase, receiptWhen, upload } from '../support/pos-batches.js';

const PBJ_FIXTURE = path.resolve(import.meta.dirname, '../../fixtures/pbj/direct-mail_20-04-2020_1.csv');

/** The downloads a file page links to: label → href. */
function downloads(html: string): Map<string, string> {
  const list = /<ul class="downloads">([\s\S]*?)<\/ul>/.exec(html)?.[1] ?? '';
  return new Map([...list.matchAll(/<a href="([^"]+)" download>([^<]+)<\/a>/g)].map((m) => [m[2] as string, m[1] as string]));
}

/** The positions of the record errors a page shows. */
function errorPositions(html: string): number[] {
  const table = /<table class="errors">([\s\S]*?)<\/table>/.exec(html)?.[1] ?? '';
  return [...table.matchAll(/<tr><td class="num">(\d+)<\/td>/g)].map((m) => Number(m[1]));
}

describe("a file's page in the console", () => {
  let daemon: TestDaemon;
  let acme: TestPartner;
  let alice: ConsoleClient;

  /**
   * A download with the session: its status, disposition and bytes. A connection of its own: on a
   * loaded machine a kept-alive one can pass the server's keep-alive timeout as it is reused.
   */
  const get = async (href: string) => {
    const response = await fetch(`${alice.base}${href}`, { headers: { cookie: alice.cookie, connection: 'close' } });
    return { status: response.status, disposition: response.headers.get('content-disposition'), body: Buffer.from(await response.arrayBuffer()) };
  };

  beforeAll(async () => {
    daemon = await TestDaemon.start({
      clienttoolbox: { toolbox: { allow_undo: true, create_new_customers: true, campaigns: [{ id: 'P1', type: 'points' }] } },
    });
    acme = await daemon.addPartner({ id: 'acme', clientId: '12', formats: ['crowdtwist-pos'] });
    const { operators } = daemon;
    await operators.add({ name: 'alice', role: 'admin', passwordHash: await hashPassword('alice-password-1', { ln: 10, r: 8, p: 1 }) });
    alice = new ConsoleClient(`http://127.0.0.1:${daemon.httpPort}`);
    await alice.logIn('alice', 'alice-password-1');
  });
  afterAll(() => daemon.destroy());

  it('downloads the original, the receipt, the error log and the retry file as they are on the disk', async () => {
    const name = posName(1);
    const bad = Array.from({ length: 150 }, (_, i) => purchase(`bad-${i}`, { user_id: 'not a number' }));
    const content = batch(purchase('good-1'), ...bad, purchase('good-2'));
    await upload(daemon, acme, name, content);
    await receiptWhen(daemon, 'acme', name, 'processed');
    await daemon.idle(); // the archived original is told to the ledger
    const file = (await daemon.ledger('acme')).find((row) => row.name === name);
    const page = await alice.request(`/console/files/${file?.id}`);
    const links = downloads(page.text);
    expect([...links.keys()]).toEqual(['original (archived)', 'receipt', 'error log (errors.json)', 'retry file (retry.json)']);

    const original = await get(links.get('original (archived)') ?? '');
    expect([original.status, original.disposition]).toEqual([200, `attachment; filename="${name}"; filename*=UTF-8''${name}`]);
    expect(original.body.toString('utf8')).toBe(content);
    const outbox = (suffix: string) => readFile(daemon.path('partners', 'acme', 'outbox', `${name}.${suffix}`));
    expect((await get(links.get('receipt') ?? '')).body).toEqual(await outbox('receipt.json'));
    expect((await get(links.get('error log (errors.json)') ?? '')).body).toEqual(await outbox('errors.json'));
    const retry = JSON.parse((await get(links.get('retry file (retry.json)') ?? '')).body.toString('utf8')) as { pos_data: { data: { receipt_id: string } }[] };
    expect(retry.pos_data.map((request) => request.data.receipt_id)).toEqual(bad.map((_, i) => `bad-${i}`));
    expect((await get(`/console/files/${file?.id}/download/..%2F..%2Fposdrop.db`)).status).toBe(404);
    const anonymous = await fetch(`${alice.base}${links.get('receipt')}`, { redirect: 'manual' });
    expect([anonymous.status, anonymous.headers.get('location')?.startsWith('/console/login?next=')]).toEqual([303, true]);
  });

  it('pages the record errors 100 at a time in file order, and by code', async () => {
    const file = (await daemon.ledger('acme')).find((row) => row.name === posName(1));
    const first = await alice.request(`/console/files/${file?.id}`);
    expect(first.text).toContain('150 stored');
    expect(errorPositions(first.text)).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
    const next = /<a href="([^"]+)" rel="next">Next errors<\/a>/.exec(first.text)?.[1]?.replaceAll('&amp;', '&') ?? '';
    const second = await alice.request(next);
    expect(errorPositions(second.text)).toEqual(Array.from({ length: 50 }, (_, i) => i + 101));
    expect(second.text).not.toContain('rel="next"');
    expect(second.text).toContain('>First</a>');
    const other = await alice.request(`/console/files/${file?.id}?code=missing_field`);
    expect(errorPositions(other.text)).toEqual([]);
    expect(errorPositions((await alice.request(`/console/files/${file?.id}?code=invalid_type`)).text)).toHaveLength(100);
  });

  it('offers a held file’s original from the inbox, and a format’s own answer', async () => {
    const held = posName(3);
    await upload(daemon, acme, held, batch(purchase('later-1')));
    await receiptWhen(daemon, 'acme', held, 'held');
    const heldFile = (await daemon.ledger('acme')).find((row) => row.name === held);
    const heldPage = (await alice.request(`/console/files/${heldFile?.id}`)).text;
    expect(heldPage.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ')).toContain(`last processed 0001 waiting for ${held.slice(0, 9)}0002_12_pos_*.json`);
    const heldLinks = downloads(heldPage);
    expect((await get(heldLinks.get('original (in the inbox)') ?? '')).body.toString('utf8')).toBe(batch(purchase('later-1')));

    const jumbo = await daemon.addPartner({ id: 'jumbo', formats: ['pbj-offline-sales'] });
    const receipt = await drop(daemon, jumbo, 'direct-mail_20-04-2020_1.csv', await readFile(PBJ_FIXTURE));
    expect(receipt.state).toBe('processed');
    const pbj = (await daemon.ledger('jumbo'))[0];
    const links = downloads((await alice.request(`/console/files/${pbj?.id}`)).text);
    const answer = await get(links.get('answer (result.json)') ?? '(no answer link)');
    expect(JSON.parse(answer.body.toString('utf8'))).toEqual({ result: pbj?.counts?.accepted });
  });

  it('undoes a Toolbox batch only after its confirmation, by the CLI’s code, recorded in the file’s history', async () => {
    const toolbox = await daemon.addPartner({ id: 'toolbox', formats: ['clienttoolbox-transactions'] });
    const name = 'transactions_20261124_earn.psv';
    expect((await drop(daemon, toolbox, name, 'campaign_id|code|redeemed|amount\nP1|u1|N|100\nP1|u2|N|40\n')).state).toBe('processed');
    const file = (await daemon.ledger('toolbox'))[0];
    const balances = async () =>
      (JSON.parse((await posdrop(daemon, ['balances', '--partner', 'toolbox', '--json'])).stdout) as { code: string; balance: number }[]).map((row) => [row.code, row.balance]);
    expect(await balances()).toEqual([['u1', 100], ['u2', 40]]);

    const page = await alice.request(`/console/files/${file?.id}`);
    expect(page.text).toContain(`href="/console/files/${file?.id}/undo">Undo batch…</a>`);
    const confirmation = await alice.request(`/console/files/${file?.id}/undo`);
    expect(confirmation.text).toContain('<h1>Undo a batch</h1>');
    expect(await balances()).toEqual([['u1', 100], ['u2', 40]]);

    const done = await alice.post(`/console/files/${file?.id}/undo`, { reason: 'sent by mistake' });
    expect([done.status, done.headers.get('location')]).toEqual([303, `/console/files/${file?.id}`]);
    expect(await balances()).toEqual([['u1', 0], ['u2', 0]]);
    const after = await alice.request(`/console/files/${file?.id}`);
    expect(after.text).toContain(`undone ${name}: 2 entries reversed`);
    expect(after.text).toContain('undone: alice reversed 2 entries (sent by mistake)');
    const shown = JSON.parse((await posdrop(daemon, ['show', String(file?.id), '--json'])).stdout) as { state: string; history: { state: string; detail: string | null }[] };
    expect(shown.state).toBe('processed');
    expect(shown.history.at(-1)).toMatchObject({ state: 'processed', detail: 'undone: alice reversed 2 entries (sent by mistake)' });

    const again = await alice.post(`/console/files/${file?.id}/undo`, { reason: 'twice' });
    expect(again.status).toBe(409);
    expect(again.text).toContain('this batch was already undone by alice');
  });
});
