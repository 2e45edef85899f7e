/**
 * PBJ's upload answers at their edges, through the running daemon: a file that cannot finish
 * within `api.result_wait_seconds` (held by a gate in its processor, so no timing decides it)
 * answers 202 with a Location that gives the result once it is known; concurrent posts of one
 * name; a body over the partner's cap; a body that is not UTF-8; an expired or forged token; a
 * partner without the format. Each refusal stores nothing.
 */
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUILT_IN_FORMATS } from '../../src/formats/registry.js';
import type { FormatSpec } from '../../src/formats/types.js';
import type { FormatProcessor } from '../../src/pipeline/processor.js';
import { apiBase, call, createApiKey, shell } from '../support/api-client.js';
import { TestDaemon, waitFor } from '../support/daemon.js';

const FIXTURES = new URL('../../fixtures/pbj/', import.meta.url);
const fixture = (name: string) => readFile(new URL(name, FIXTURES));
const HEADER = 'ORDER_ID,DRAW_NO,CUSTOMER_ID,PRODUCT,QUANTITY,AMOUNT,PAYMENT_METHOD,SALE_DATE\n';
const sales = (first: number, count: number) =>
  HEADER + Array.from({ length: count }, (_, index) => `${first + index},1,C${index},Ticket,1,2.50,card,2020-04-20\n`).join('');

function form(name: string, data: Buffer | string): FormData {
  const body = new FormData();
  body.append('file', new Blob([data], { type: 'text/csv' }), name);
  return body;
}

/** A PBJ processor that waits for the test to open its gate before it reads a file. */
function gatedFormats(gate: { opened: Promise<void> }) {
  const gated = (spec: FormatSpec): FormatSpec => {
    const real = spec.processor as FormatProcessor;
    return { ...spec, processor: { ...real, process: async (ctx) => (await gate.opened, real.process(ctx)) } };
  };
  const formats = new Map(BUILT_IN_FORMATS.map((spec) => [spec.id, spec.id === 'pbj-offline-sales' ? gated(spec) : spec]));
  return (id: string) => formats.get(id as FormatSpec['id']);
}

async function tokenOf(base: string, username: string, password: string): Promise<string> {
  const answer = await call(`${base}/api-admin/login`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ username, password }) });
  return (answer.json() as { result: { access_token: string } }).result.access_token;
}

describe('PBJ: a file that cannot finish within the configured wait', () => {
  let daemon: TestDaemon;
  let base: string;
  let open: () => void;
  const gate = { opened: new Promise<void>((resolve) => (open = resolve)) };

  beforeAll(async () => {
    daemon = await TestDaemon.start({ api: { result_wait_seconds: 1 } }, { formats: gatedFormats(gate) });
    await daemon.addPartner({ id: 'jumbo', channels: ['direct-mail'], formats: ['pbj-offline-sales'] });
    base = apiBase(daemon);
  });
  afterAll(() => daemon.destroy());

  it('answers 202 with a Location, never a false result, and the Location gives the result once the file is processed (curl and fetch)', async () => {
    const access = await tokenOf(base, 'jumbo', await createApiKey(daemon, 'jumbo'));
    const held = await call(`${base}/bulk-sales/files`, { method: 'POST', headers: { Authorization: `Bearer ${access}` }, body: form('direct-mail_20-04-2020_1.csv', await fixture('direct-mail_20-04-2020_1.csv')) });
    expect(held.status).toBe(202);
    const location = held.headers.get('location') ?? '';
    expect(location).toMatch(/^\/bulk-sales\/files\/status\?name=direct-mail_20-04-2020_1\.csv&sha256=[0-9a-f]{64}$/);
    expect(held.json()).toEqual({ result: null, status: 'processing', location });
    expect(held.headers.get('retry-after')).toBe('5');

    // still held: polling says the same, and the ledger has the file, not yet processed
    const polled = await call(`${base}${location}`, { headers: { Authorization: `Bearer ${access}` } });
    expect([polled.status, polled.json()]).toEqual([202, { result: null, status: 'processing', location }]);
    expect((await daemon.ledger('jumbo')).map((row) => row.state)).not.toContain('processed');

    open();
    const done = await waitFor(async () => {
      const answer = await shell(`curl -s -w '\\n%{http_code}' -H 'Authorization: Bearer ${access}' '${base}${location}'`, daemon.dataDir);
      return !answer.stdout.includes('processing') && answer;
    }, 30_000);
    expect(done.stdout).toBe(`${await readFile(daemon.path('partners', 'jumbo', 'outbox', 'direct-mail_20-04-2020_1.csv.result.json'), 'utf8')}\n202`);
    expect(JSON.parse(done.stdout.split('\n\n')[0] as string)).toEqual({ result: 34 });
    expect(await daemon.ledger('jumbo')).toMatchObject([{ name: 'direct-mail_20-04-2020_1.csv', state: 'processed', via: 'http' }]);

    // another partner's token, or bytes never sent, find nothing
    const unknown = await call(`${base}${location.replace(/sha256=\w+/, `sha256=${'0'.repeat(64)}`)}`, { headers: { Authorization: `Bearer ${access}` } });
    expect([unknown.status, unknown.json()]).toEqual([404, { error: { code: 404, message: 'no such upload of this account' } }]);
  });
});

describe('PBJ: concurrent posts, limits, bodies and tokens', () => {
  let daemon: TestDaemon;
  let base: string;
  let key: string;
  const upload = async (body: FormData, bearer?: string) =>
    call(`${base}/bulk-sales/files`, { method: 'POST', headers: { Authorization: `Bearer ${bearer ?? (await tokenOf(base, 'jumbo', key))}` }, body });
  /** Nothing of a refused upload is anywhere: no new row, nothing in the inbox, no body in the spool. */
  const expectNothingStored = async (partner: string, rowsBefore: number) => {
    expect(await daemon.ledger(partner)).toHaveLength(rowsBefore);
    expect(await daemon.folder(partner, 'inbox')).toEqual([]);
    expect(await daemon.deliverySpool(partner)).toEqual([]);
  };

  beforeAll(async () => {
    daemon = await TestDaemon.start();
    await daemon.addPartner({ id: 'jumbo', channels: ['direct-mail'], formats: ['pbj-offline-sales'], maxUploadBytes: 4096 });
    await daemon.addPartner({ id: 'toolbox-only', formats: ['clienttoolbox-transactions'] });
    key = await createApiKey(daemon, 'jumbo');
    base = apiBase(daemon);
  });
  afterAll(() => daemon.destroy());

  it('accepts exactly one of concurrent posts of the same name; the others are told it was uploaded already', async () => {
    const access = await tokenOf(base, 'jumbo', key);
    const name = 'direct-mail_01-05-2020_1.csv';
    const answers = await Promise.all([0, 1, 2].map((index) => upload(form(name, sales(1000 + index * 10, 3)), access)));
    const accepted = answers.filter((answer) => answer.status === 202);
    expect(accepted.map((answer) => answer.json())).toEqual([{ result: 3 }]);
    const refused = answers.filter((answer) => answer.status !== 202);
    expect(refused.map((answer) => answer.status)).toEqual([400, 400]);
    for (const answer of refused) expect(JSON.stringify(answer.json())).toContain('This file has already been uploaded');
    const rows = (await daemon.ledger('jumbo')).filter((row) => row.name === name);
    expect(rows.map((row) => row.state).sort()).toEqual(['processed', 'rejected', 'rejected']);
    expect(rows.filter((row) => row.state === 'processed').map((row) => row.counts?.accepted)).toEqual([3]);
  });

  it('answers a body over the partner cap 413 in the guide shape, keeps nothing of it, and records the refusal as SFTP does', async () => {
    const rows = (await daemon.ledger('jumbo')).length;
    const big = await upload(form('direct-mail_02-05-2020_1.csv', sales(2000, 200)));
    expect(big.status).toBe(413);
    expect(big.type).toBe('application/json; charset=utf-8');
    expect(big.json()).toEqual({ error: { code: 413, message: expect.stringMatching(/larger than the upload limit/) } });
    // its one row is the refusal, never in the inbox, and the receipt says so
    expect((await daemon.ledger('jumbo')).at(-1)).toMatchObject({ name: 'direct-mail_02-05-2020_1.csv', state: 'rejected', reasonCode: 'oversize', sha256: '', via: 'http' });
    expect(await daemon.receipt('jumbo', 'direct-mail_02-05-2020_1.csv')).toMatchObject({ state: 'rejected', reason: { code: 'oversize' } });
    await expectNothingStored('jumbo', rows + 1);
  });

  it('refuses a body that is not UTF-8 with the offset of the first bad byte, storing no sale', async () => {
    const before = `${HEADER}3001,1,C1,Caf`;
    const latin1 = Buffer.concat([Buffer.from(before), Buffer.from([0xe9]), Buffer.from(',1,2.50,card,2020-04-20\n')]);
    const answer = await upload(form('direct-mail_03-05-2020_1.csv', latin1));
    expect(answer.status).toBe(400);
    expect(answer.type).toBe('application/json; charset=utf-8');
    expect(answer.json()).toEqual({
      error: {
        code: 400,
        message: `the file is not valid UTF-8: the byte at offset ${Buffer.byteLength(before)} (counting from 0) does not begin or continue a UTF-8 character; save the file as UTF-8`,
      },
    });
    const row = (await daemon.ledger('jumbo')).find((file) => file.name === 'direct-mail_03-05-2020_1.csv');
    expect(row).toMatchObject({ state: 'rejected', via: 'http' });
    expect(row?.counts?.accepted ?? 0).toBe(0);
  });

  it('refuses an expired or forged token 401, and a partner without the format 403, storing nothing', async () => {
    const rows = (await daemon.ledger('jumbo')).length;
    const access = await tokenOf(base, 'jumbo', key);
    const [head, payload, signature] = access.split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>;
    const longer = Buffer.from(JSON.stringify({ ...claims, exp: (claims.exp as number) + 86_400 })).toString('base64url');
    const forged = await upload(form('direct-mail_04-05-2020_1.csv', sales(4000, 1)), `${head}.${longer}.${signature}`);
    expect([forged.status, forged.json()]).toEqual([401, { error: { code: 401, message: 'the token is not valid' } }]);
    expect(forged.headers.get('www-authenticate')).toBe('Bearer');

    const other = await tokenOf(base, 'toolbox-only', await createApiKey(daemon, 'toolbox-only'));
    const refused = await upload(form('direct-mail_04-05-2020_1.csv', sales(4000, 1)), other);
    expect([refused.status, refused.json()]).toEqual([
      403,
      { error: { code: 403, message: 'the account toolbox-only does not send pbj-offline-sales; an operator can add it with posdrop partners' } },
    ]);
    await expectNothingStored('toolbox-only', 0);

    // the clock is the one thing faked: an hour and a minute later the access token has expired
    daemon.clock.advance(61 * 60 * 1000);
    const expired = await upload(form('direct-mail_04-05-2020_1.csv', sales(4000, 1)), access);
    expect([expired.status, expired.json()]).toEqual([401, { error: { code: 401, message: 'the token has expired; log in again' } }]);
    await expectNothingStored('jumbo', rows);
    expect((await upload(form('direct-mail_04-05-2020_1.csv', sales(4000, 1)))).status).toBe(202);
  });
});
