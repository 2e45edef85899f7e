/**
 * Client Toolbox's batch transactions API served by posdrop: the guide's PHP example as a form
 * post (fetch) and as curl lines, through the running daemon into the same pipeline as SFTP
 * uploads; XML, JSON and JSONP answers; allow-undo; and the guide's error response for bad input,
 * with nothing stored.
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultConfig } from '../../src/config/schema.js';
import { apiBase, call, createApiKey, shell } from '../support/api-client.js';
import { posdrop } from '../support/cli.js';
import { TestDaemon } from '../support/daemon.js';

const guideConfig = defaultConfig().clienttoolbox.demo;

/** The guide's "Example PHP Request for Points-Based Campaign", field for field. */
function phpExample(key: string): Record<string, string> {
  return {
    API: '1.5',
    user_id: 'john1970',
    user_api_key: key,
    account_id: 'greatwidgets',
    type: 'batch_transactions',
    delimiter: 'pipe',
    apply_ratio: 'yes',
    'allow-undo': 'yes',
    visits_header_1: 'campaign_id',
    visits_header_2: 'code',
    visits_header_3: 'redeemed',
    visits_header_4: 'amount',
    visits_header_5: 'date',
    visits_header_6: 'custom_field_3',
    Visits_Data: `
4638472975924871|12121|N|14,95|2010-03-15|API test import 1
4638472975924871|12121|N|50|2010-03-15|API test import 2
4638472975924871|12121|N|34.67|2010-03-15|API test import 3
4638472975924871|12121|N|0,50|2010-03-15|API test import 4
4638472975924871|12121|N|.75|2010-03-15|API test import 5
4638472975924871|12121|N|2.00|2010-03-15|API test import 6
4638472975924871|12121|Y|1500|2010-03-15|API test redeem 1
`,
  };
}

const SUCCESS_XML = '<response status="success">\n  <batch status="all_imported">\n    <transactions>7</transactions>\n  </batch>\n</response>\n';
const errorXml = (message: string) => `<response status="error">\n  <error>${message}</error>\n</response>\n`;

describe('Client Toolbox batch transactions API', () => {
  let daemon: TestDaemon;
  let base: string;
  let work: string;
  const keys: Record<string, string> = {};

  const post = (fields: Record<string, string>, headers: Record<string, string> = {}) =>
    call(`${base}/api`, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...headers }, body: new URLSearchParams(fields).toString() });
  const balances = async (partner: string) =>
    (JSON.parse((await posdrop(daemon, ['balances', '--partner', partner, '--json'])).stdout) as { code: string; campaign_id: string; balance: number }[]).map((row) => [
      row.code,
      row.campaign_id,
      row.balance,
    ]);
  /** Nothing of a refused request is anywhere: no row, nothing in the inbox, no body in the spool. */
  const expectNothingStored = async (partner: string, rowsBefore: number) => {
    expect(await daemon.ledger(partner)).toHaveLength(rowsBefore);
    expect(await daemon.folder(partner, 'inbox')).toEqual([]);
    expect(await daemon.deliverySpool(partner)).toEqual([]);
  };

  beforeAll(async () => {
    daemon = await TestDaemon.start({ clienttoolbox: { john1970: guideConfig, jsonp: guideConfig, plain: { ...guideConfig, allow_undo: false } } });
    for (const id of ['john1970', 'jsonp', 'plain']) {
      await daemon.addPartner({ id, clientId: id === 'john1970' ? 'greatwidgets' : id, formats: ['clienttoolbox-transactions'] });
      keys[id] = await createApiKey(daemon, id);
    }
    await daemon.addPartner({ id: 'pbj-only', formats: ['pbj-offline-sales'] });
    keys['pbj-only'] = await createApiKey(daemon, 'pbj-only');
    base = apiBase(daemon);
    work = await mkdtemp(path.join(tmpdir(), 'posdrop-toolbox-api-'));
  });
  afterAll(() => daemon.destroy());

  it("answers the guide's PHP example, sent as a form post, with the guide's success XML and its balances; allow-undo lets posdrop undo reverse it", async () => {
    const answer = await post(phpExample(keys.john1970 as string));
    expect(answer.status, answer.text).toBe(200);
    expect(answer.type).toBe('application/xml; charset=utf-8');
    expect(answer.text).toBe(SUCCESS_XML);
    // 14.95 + 50 + 34.67 + 0.50 + 0.75 + 2.00 earned at ratio 1, reward 1500 redeemed for 50
    expect(await balances('john1970')).toEqual([['4638472975924871', '12121', 52.87]]);

    const [row] = await daemon.ledger('john1970');
    expect(row).toMatchObject({ state: 'processed', via: 'http', format: 'clienttoolbox-transactions', senderOptions: { allow_undo: true, apply_ratio: true, receipt: 'xml' } });
    expect(row?.name).toMatch(/^transactions_\d{8}_api-[0-9a-f-]{36}\.psv$/);
    expect(await daemon.receipt('john1970', row?.name as string)).toMatchObject({ state: 'processed', via: 'http', counts: { total: 7, accepted: 7 } });
    const files = await posdrop(daemon, ['files', '--partner', 'john1970', '--json']);
    expect(files.stdout).toContain(row?.name as string);

    const undone = await posdrop(daemon, ['undo', row?.name as string, '--partner', 'john1970', '--reason', 'test batch', '--json']);
    expect(undone.code, undone.stderr).toBe(0);
    expect(JSON.parse(undone.stdout)).toMatchObject({ entries_reversed: 7 });
    expect(await balances('john1970')).toEqual([['4638472975924871', '12121', 0]]);
  });

  it('takes the same fields as curl sends them, form-urlencoded and multipart, and the key in the api_access_key header', async () => {
    const fields = phpExample(keys.plain as string);
    fields.user_id = 'plain';
    fields.account_id = 'plain';
    delete fields['allow-undo'];
    const data = path.join(work, 'visits.txt');
    await writeFile(data, fields.Visits_Data as string);
    const args = (flag: string, skip: string[]) =>
      Object.entries(fields)
        .filter(([name]) => !skip.includes(name))
        .map(([name, value]) => `${flag} '${name}=${value}'`)
        .join(' ');
    const urlencoded = await shell(`curl -s -X POST "${base}/api" ${args('--data-urlencode', ['Visits_Data'])} --data-urlencode "Visits_Data@visits.txt"`, work);
    expect(urlencoded.code, urlencoded.stderr).toBe(0);
    expect(urlencoded.stdout).toBe(SUCCESS_XML);
    const multipart = await shell(
      `curl -s -X POST "${base}/api" -H "api_access_key: ${keys.plain}" ${args('-F', ['Visits_Data', 'user_api_key'])} -F "Visits_Data=<visits.txt"`,
      work,
    );
    expect(multipart.code, multipart.stderr).toBe(0);
    expect(multipart.stdout).toBe(SUCCESS_XML);
    // append-only: two batches, each posted once
    expect((await daemon.ledger('plain')).map((row) => row.state)).toEqual(['processed', 'processed']);
    expect(await balances('plain')).toEqual([['4638472975924871', '12121', 105.74]]);

    // sent without allow-undo, to a partner whose configuration does not allow it either
    const refused = await posdrop(daemon, ['undo', (await daemon.ledger('plain'))[0]?.name as string, '--partner', 'plain', '--reason', 'x']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('was not sent with allow-undo=yes');
    expect(await balances('plain')).toEqual([['4638472975924871', '12121', 105.74]]);
  });

  it('answers JSON with output=JSON (condensed=yes without white space), and JSONP for a callback of a strict pattern', async () => {
    const fields = { ...phpExample(keys.jsonp as string), user_id: 'jsonp', account_id: 'jsonp' };
    const json = await post({ ...fields, output: 'JSON' });
    expect(json.status, json.text).toBe(200);
    expect(json.type).toBe('application/json; charset=utf-8');
    expect(json.json()).toEqual({ response: { status: 'success', batch: { status: 'all_imported', transactions: 7 } } });
    expect(json.text).toContain('\n  ');

    const condensed = await post({ ...fields, output: 'JSON', condensed: 'yes' });
    expect(condensed.text).toBe('{"response":{"status":"success","batch":{"status":"all_imported","transactions":7}}}\n');

    const jsonp = await post({ ...fields, output: 'JSON', condensed: 'yes', callback: 'app.onBatch' });
    expect(jsonp.status).toBe(200);
    expect(jsonp.type).toBe('application/javascript; charset=utf-8');
    expect(jsonp.text).toBe('/**/app.onBatch({"response":{"status":"success","batch":{"status":"all_imported","transactions":7}}});\n');
    expect(await daemon.ledger('jsonp')).toHaveLength(3);

    for (const callback of ['alert(1)//', 'a;b', '1abc', 'a..b', `x${'y'.repeat(64)}`, '</script>']) {
      const refused = await post({ ...fields, output: 'JSON', callback });
      expect(refused.status).toBe(400);
      expect(refused.type).toBe('application/json; charset=utf-8');
      expect(refused.json()).toEqual({ response: { status: 'error', error: expect.stringContaining('callback must be a function name') } });
      expect(refused.text).not.toContain(callback);
    }
    await expectNothingStored('jsonp', 3);
  });

  it("answers the guide's error XML for bad input, naming what is wrong, and stores nothing", async () => {
    const fields = phpExample(keys.john1970 as string);
    const rows = (await daemon.ledger('john1970')).length;
    const cases: [Record<string, string>, number, string][] = [
      [{ ...fields, delimiter: 'semicolon' }, 400, 'delimiter must be pipe, comma or tab, not &#34;semicolon&#34;'],
      [{ ...fields, visits_header_4: 'price' }, 400, 'visits_header_4 names an unknown column &#34;price&#34;; expected one of campaign_id, code, redeemed, amount, date, authorization, promo_id, service_product or custom_field_N'],
      [{ ...fields, visits_header_3: 'code' }, 400, 'visits_header_3 names the column code that visits_header_2 names already'],
      [{ ...fields, visits_header_8: 'promo_id' }, 400, 'visits_header_8 is given but visits_header_7 is not'],
      [Object.fromEntries(Object.entries(fields).filter(([name]) => name !== 'visits_header_3')), 400, 'visits_header_4 is given but visits_header_3 is not'],
      [Object.fromEntries(Object.entries(fields).filter(([name]) => name !== 'account_id')), 400, 'the field account_id is required'],
      [Object.fromEntries(Object.entries(fields).filter(([name]) => name !== 'delimiter')), 400, 'the field delimiter is required'],
      [{ ...fields, Visits_Data: '  ' }, 400, 'the field Visits_Data is required'],
      [{ ...fields, type: 'customer_lookup' }, 400, 'type must be batch_transactions, not &#34;customer_lookup&#34;'],
      [{ ...fields, account_id: 'otherwidgets' }, 403, 'account_id otherwidgets is not the account of john1970'],
      [{ ...fields, user_api_key: 'wrong' }, 401, 'Username or password is incorrect.'],
      [{ ...fields, user_id: 'nobody' }, 401, 'Username or password is incorrect.'],
      [Object.fromEntries(Object.entries(fields).filter(([name]) => name !== 'user_api_key')), 401, 'user_id and user_api_key (or the api_access_key header) are required'],
    ];
    for (const [body, status, message] of cases) {
      const answer = await post(body);
      expect(answer.status, message).toBe(status);
      expect(answer.type).toBe('application/xml; charset=utf-8');
      expect(answer.text).toBe(errorXml(message));
    }
    await expectNothingStored('john1970', rows);
  });

  it('answers a partner without the format, a body that is not UTF-8, and a wrong method in the same shape, storing nothing', async () => {
    const other = await post({ ...phpExample(keys['pbj-only'] as string), user_id: 'pbj-only', account_id: 'pbj-only' });
    expect(other.status).toBe(403);
    expect(other.text).toBe(errorXml('the account pbj-only does not send clienttoolbox-transactions; an operator can add it with posdrop partners'));
    await expectNothingStored('pbj-only', 0);

    const rows = (await daemon.ledger('john1970')).length;
    const form = new URLSearchParams(phpExample(keys.john1970 as string)).toString();
    const latin1 = Buffer.concat([Buffer.from(form), Buffer.from('&custom=caf\xe9', 'latin1')]);
    const raw = await call(`${base}/api`, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: latin1 });
    expect(raw.status).toBe(400);
    expect(raw.text).toBe(errorXml('the field custom is not UTF-8 text'));
    const escaped = await call(`${base}/api`, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: `${form}&custom=caf%E9` });
    expect(escaped.status).toBe(400);
    expect(escaped.text).toBe(errorXml('the field custom is not UTF-8 text'));
    const multipart = new FormData();
    for (const [name, value] of Object.entries(phpExample(keys.john1970 as string))) if (name !== 'Visits_Data') multipart.append(name, value);
    multipart.append('Visits_Data', new Blob([Buffer.from('4638472975924871|12121|N|1|2010-03-15|caf\xe9\n', 'latin1')]), 'visits.txt');
    const part = await call(`${base}/api`, { method: 'POST', body: multipart });
    expect(part.status).toBe(400);
    expect(part.text).toBe(errorXml('the field Visits_Data is not UTF-8 text'));

    const get = await call(`${base}/api`);
    expect(get.status).toBe(405);
    expect(get.headers.get('allow')).toBe('POST');
    expect(get.text).toBe(errorXml('GET is not allowed on /api; use POST'));
    await expectNothingStored('john1970', rows);
  });
});
