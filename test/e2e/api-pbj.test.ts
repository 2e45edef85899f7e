/**
 * PBJ's offline sales API served by posdrop: the guide's own curl lines (host and credentials
 * changed) and fetch, through the running daemon into the same pipeline as SFTP uploads.
 */
import { copyFile, mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiBase, call, createApiKey, shell } from '../support/api-client.js';
import { posdrop } from '../support/cli.js';
import { TestDaemon } from '../support/daemon.js';

const FIXTURES = new URL('../../fixtures/pbj/', import.meta.url);
const fixture = (name: string) => readFile(new URL(name, FIXTURES));

function form(name: string, data: Buffer | string, field = 'file'): FormData {
  const body = new FormData();
  body.append(field, new Blob([data], { type: 'text/csv' }), name);
  return body;
}

describe('PBJ offline sales API', () => {
  let daemon: TestDaemon;
  let key: string;
  let base: string;
  let work: string;

  const login = async (username = 'jumbo', password = key) =>
    call(`${base}/api-admin/login`, {
      method: 'POST',
      headers: { accept: 'application/json', 'Content-Type': 'application/json' },
      body: JSON.stringify({ username, password }),
    });
  const token = async () => ((await login()).json() as { result: { access_token: string } }).result.access_token;
  const upload = async (body: FormData, bearer?: string) =>
    call(`${base}/bulk-sales/files`, { method: 'POST', headers: { accept: 'application/json', Authorization: `Bearer ${bearer ?? (await token())}` }, body });

  beforeAll(async () => {
    daemon = await TestDaemon.start();
    await daemon.addPartner({ id: 'jumbo', channels: ['derect-mail', 'direct-mail'], formats: ['pbj-offline-sales'] });
    await daemon.addPartner({ id: 'carma-only', formats: ['carma-purchase-history'] });
    key = await createApiKey(daemon, 'jumbo');
    base = apiBase(daemon);
    work = await mkdtemp(path.join(tmpdir(), 'posdrop-pbj-api-'));
    await copyFile(new URL('direct-mail_20-04-2020_1.csv', FIXTURES), path.join(work, 'derect-mail_20-04-2020_1.csv'));
  });
  afterAll(() => daemon.destroy());

  it("runs the guide's two curl lines as written, and the file goes the one way every file goes", async () => {
    const loginLine = `curl -X POST "${base}/api-admin/login" -H "accept: application/json" -H "Content-Type: application/json" -d "{\\"password\\":\\"${key}\\",\\"username\\":\\"jumbo\\"}"`;
    const loggedIn = await shell(loginLine, work);
    expect(loggedIn.code, loggedIn.stderr).toBe(0);
    const answer = JSON.parse(loggedIn.stdout) as { messages: unknown[]; result: Record<string, unknown> };
    expect(answer.messages).toEqual([]);
    expect(answer.result).toMatchObject({
      access_token: expect.stringMatching(/^ey[\w-]+\.[\w-]+\.[\w-]+$/),
      refresh_token: expect.any(String),
      admin: {
        capabilities: ['bulksales.upload'],
        channels: [
          { channel_key: 'derect-mail', channel_name: 'Derect Mail', is_default: true },
          { channel_key: 'direct-mail', channel_name: 'Direct Mail', is_default: false },
        ],
        email: '',
        id: 'jumbo',
        name: 'jumbo',
      },
    });
    const access = answer.result.access_token as string;
    const uploadLine = `curl -X POST "${base}/bulk-sales/files" -H "accept: application/json" -H "Content-Type: multipart/form-data" -H 'Authorization: Bearer ${access}' -F "file=@derect-mail_20-04-2020_1.csv;type=text/csv"`;
    const uploaded = await shell(uploadLine, work);
    expect(uploaded.code, uploaded.stderr).toBe(0);
    expect(JSON.parse(uploaded.stdout)).toEqual({ result: 34 });

    const [row] = await daemon.ledger('jumbo');
    expect(row).toMatchObject({ name: 'derect-mail_20-04-2020_1.csv', state: 'processed', via: 'http', counts: { accepted: 34 } });
    expect(await daemon.receipt('jumbo', 'derect-mail_20-04-2020_1.csv')).toMatchObject({ state: 'processed', via: 'http' });
    expect(JSON.parse(await readFile(daemon.path('partners', 'jumbo', 'outbox', 'derect-mail_20-04-2020_1.csv.result.json'), 'utf8'))).toEqual({ result: 34 });
    const files = await posdrop(daemon, ['files', '--partner', 'jumbo', '--json']);
    expect(files.stdout).toContain('derect-mail_20-04-2020_1.csv');

    // The same name again: the guide's "already uploaded", and nothing stored twice.
    const again = await shell(uploadLine, work);
    expect(JSON.parse(again.stdout)).toEqual({ error: { code: 400, message: 'This file has already been uploaded' } });
    expect((await daemon.ledger('jumbo')).filter((file) => file.state === 'processed')).toHaveLength(1);
  });

  it('answers 202 with the count, 400 with the same body as .result.json for a bad file', async () => {
    const good = await upload(form('direct-mail_21-04-2020_1.csv', await fixture('direct-mail_20-04-2020_1.csv')));
    // the same sales on another channel: ORDER_IDs are unique per channel
    expect([good.status, good.json()]).toEqual([202, { result: 34 }]);
    expect(good.type).toBe('application/json; charset=utf-8');
    const bad = await upload(form('direct-mail_20-04-2020_2.csv', await fixture('direct-mail_20-04-2020_2.csv')));
    expect(bad.status).toBe(400);
    const expected = JSON.parse((await fixture('expected/direct-mail_20-04-2020_2.csv.result.json')).toString()) as unknown;
    expect(bad.json()).toEqual(expected);
    expect(bad.text).toBe(await readFile(daemon.path('partners', 'jumbo', 'outbox', 'direct-mail_20-04-2020_2.csv.result.json'), 'utf8'));
    const fresh = 'ORDER_ID,DRAW_NO,CUSTOMER_ID,PRODUCT,QUANTITY,AMOUNT,PAYMENT_METHOD,SALE_DATE\n9001,1,C9,Ticket,1,2.50,card,2020-04-20\n9002,1,C9,Ticket,2,5.00,card,2020-04-20\n';
    const accepted = await upload(form('direct-mail_22-04-2020_1.csv', fresh));
    expect([accepted.status, accepted.json()]).toEqual([202, { result: 2 }]);
  });

  it('refuses wrong credentials with the guide\'s 401, and a missing or forged token', async () => {
    const wrong = await login('jumbo', 'not-the-key');
    expect(wrong.status).toBe(401);
    expect(wrong.json()).toEqual({ messages: [{ code: 'incorrect_details', level: 'error', message: 'Username or password is incorrect.' }] });
    expect((await login('nobody', key)).status).toBe(401);
    const missing = await call(`${base}/bulk-sales/files`, { method: 'POST', body: form('direct-mail_23-04-2020_1.csv', 'x') });
    expect(missing.status).toBe(401);
    const access = await token();
    const [head, payload] = access.split('.');
    const forgedPayload = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(payload as string, 'base64url').toString()), sub: 'carma-only' })).toString('base64url');
    const forged = await upload(form('direct-mail_23-04-2020_1.csv', 'x'), `${head}.${forgedPayload}.${access.split('.')[2]}`);
    expect([forged.status, forged.json()]).toEqual([401, { error: { code: 401, message: 'the token is not valid' } }]);
    const none = `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${payload}.`;
    expect((await upload(form('direct-mail_23-04-2020_1.csv', 'x'), none)).status).toBe(401);
    expect(await daemon.folder('jumbo', 'inbox')).toEqual([]);
  });

  it('exchanges a refresh token for a new pair; a rotated key ends the old tokens', async () => {
    const first = (await login()).json() as { result: { access_token: string; refresh_token: string } };
    const refreshed = await call(`${base}/api-admin/refresh`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ refresh_token: first.result.refresh_token }),
    });
    expect(refreshed.status).toBe(200);
    const pair = refreshed.json() as { result: { access_token: string } };
    // an access token is no refresh token
    const misuse = await call(`${base}/api-admin/refresh`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ refresh_token: pair.result.access_token }) });
    expect(misuse.status).toBe(401);
    key = await createApiKey(daemon, 'jumbo');
    const old = await upload(form('direct-mail_24-04-2020_1.csv', 'x'), pair.result.access_token);
    expect([old.status, old.json()]).toEqual([401, { error: { code: 401, message: 'the token is no longer valid; log in again' } }]);
    expect((await login()).status).toBe(200);
  });

  it('shows who has an API key, prints a key once, and revokes it', async () => {
    const listed = await posdrop(daemon, ['partners', 'list', '--json']);
    expect((JSON.parse(listed.stdout) as { id: string; api_key: boolean }[]).map((row) => [row.id, row.api_key])).toEqual([
      ['carma-only', false],
      ['jumbo', true],
    ]);
    const table = await posdrop(daemon, ['partners', 'list']);
    expect(table.stdout).toMatch(/jumbo .*password \+ 1 key\(s\) \+ api key/);
    const stored = (await daemon.store.partners.get('jumbo'))?.apiKeyHash ?? '';
    expect(stored).toMatch(/^\$scrypt\$/);
    expect(stored).not.toContain(key);
    const access = await token();
    const revoked = await posdrop(daemon, ['partners', 'api-key', 'jumbo', '--revoke']);
    expect([revoked.code, revoked.stdout]).toEqual([0, 'API key of jumbo revoked; its tokens no longer work\n']);
    expect((await login()).status).toBe(401);
    expect((await upload(form('direct-mail_26-04-2020_1.csv', 'x'), access)).status).toBe(401);
    const again = await posdrop(daemon, ['partners', 'api-key', 'jumbo', '--revoke']);
    expect([again.code, again.stderr]).toEqual([1, expect.stringContaining('partner jumbo has no API key')]);
    const rotated = await posdrop(daemon, ['partners', 'api-key', 'jumbo']);
    key = /shown once\): (\S+)\n$/.exec(rotated.stdout)?.[1] ?? '';
    expect((await login()).status).toBe(200);
  });

  it('refuses a partner without the format, and a disabled partner everywhere', async () => {
    const carmaKey = await createApiKey(daemon, 'carma-only');
    const carma = (await login('carma-only', carmaKey)).json() as { result: { access_token: string; admin: { capabilities: string[] } } };
    expect(carma.result.admin.capabilities).toEqual([]);
    const refused = await upload(form('direct-mail_25-04-2020_1.csv', 'x'), carma.result.access_token);
    expect(refused.status).toBe(403);
    const access = await token();
    await posdrop(daemon, ['partners', 'disable', 'jumbo']);
    try {
      expect((await login()).status).toBe(401);
      expect((await upload(form('direct-mail_25-04-2020_1.csv', 'x'), access)).status).toBe(401);
    } finally {
      await posdrop(daemon, ['partners', 'enable', 'jumbo']);
    }
  });
});
