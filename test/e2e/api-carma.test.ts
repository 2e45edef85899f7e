/** Carma's purchase history API served by posdrop: imports → data → batches, as the guide's steps go. */
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiBase, call, createApiKey, shell } from '../support/api-client.js';
import { posdrop } from '../support/cli.js';
import { TestDaemon } from '../support/daemon.js';

const FIXTURE = new URL('../../fixtures/carma/purchasehistory_L1_example.csv', import.meta.url);

describe('Carma purchase history API', () => {
  let daemon: TestDaemon;
  let base: string;
  let work: string;
  const keys: Record<string, string> = {};
  const basic = (partner: string) => `Basic ${Buffer.from(`${partner}:${keys[partner]}`).toString('base64')}`;

  beforeAll(async () => {
    daemon = await TestDaemon.start({ api: { max_requests_per_partner: 8 } });
    for (const [id, customer, format] of [['shop', '4711', 'carma-purchase-history'], ['other', '815', 'carma-purchase-history'], ['pbjonly', '816', 'pbj-offline-sales']] as const) {
      await daemon.addPartner({ id, formats: [format] });
      keys[id] = await createApiKey(daemon, id);
      expect((await posdrop(daemon, ['partners', 'set', id, '--carma-customer-id', customer])).code).toBe(0);
    }
    base = apiBase(daemon);
    work = await mkdtemp(path.join(tmpdir(), 'posdrop-carma-api-'));
  });
  afterAll(() => daemon.destroy());

  it('opens an import, takes its data as a batch, and reports the batch with the figures of .status.json (curl)', async () => {
    const auth = `-u shop:${keys.shop}`;
    const opened = await shell(`curl -s ${auth} -X POST "${base}/rest/4711/purchasehistory/L1/imports" -H "Content-Type: application/json" -d '{"name": "march"}'`, work);
    const { id } = JSON.parse(opened.stdout) as { id: string };
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    const posted = await shell(`curl -s ${auth} -X POST "${base}/rest/4711/purchasehistory/L1/imports/${id}/data" -H "Content-Type: text/csv" --data-binary @${FIXTURE.pathname}`, work);
    const { batchId } = JSON.parse(posted.stdout) as { batchId: string };
    expect(batchId).toMatch(/^\d+$/);
    const [row] = await daemon.ledger('shop');
    expect(row).toMatchObject({ id: Number(batchId), name: `purchasehistory_L1_${id}.csv`, state: 'processed', via: 'http' });

    const polled = await shell(`curl -s ${auth} "${base}/rest/4711/batches/${batchId}"`, work);
    const batch = JSON.parse(polled.stdout) as Record<string, unknown>;
    const status = JSON.parse(await readFile(daemon.path('partners', 'shop', 'outbox', `purchasehistory_L1_${id}.csv.status.json`), 'utf8')) as Record<string, unknown>;
    expect(batch).toEqual({ ...status, customerId: 4711 });
    expect(Object.keys(batch)).toEqual(['id', 'type', 'customerId', 'startTime', 'endTime', 'affected', 'processed', 'total', 'status']);
    expect(batch).toMatchObject({ id: Number(batchId), type: 'IMPORT', status: 'FINISHED', processed: 6, total: 6 });
  });

  it('appends: the same data posted twice is two batches, each stored', async () => {
    const headers = { Authorization: basic('shop'), 'Content-Type': 'application/json' };
    const opened = (await call(`${base}/rest/4711/purchasehistory/L2/imports`, { method: 'POST', headers, body: '{}' })).json() as { id: string };
    const data = await readFile(FIXTURE);
    const post = () => call(`${base}/rest/4711/purchasehistory/L2/imports/${opened.id}/data`, { method: 'POST', headers: { Authorization: basic('shop'), 'Content-Type': 'text/csv' }, body: data });
    const first = (await post()).json() as { batchId: string };
    const second = (await post()).json() as { batchId: string };
    expect(first.batchId).not.toBe(second.batchId);
    const rows = (await daemon.ledger('shop')).filter((file) => file.name.includes(opened.id));
    expect(rows.map((file) => [file.name, file.state, file.counts?.accepted])).toEqual([
      [`purchasehistory_L2_${opened.id}.csv`, 'processed', 6],
      [`purchasehistory_L2_${opened.id}-2.csv`, 'processed', 6],
    ]);
  });

  it("answers 404 for another partner's customer, import and batch, the same as for one that does not exist", async () => {
    const own = { Authorization: basic('shop'), 'Content-Type': 'application/json' };
    const opened = (await call(`${base}/rest/4711/purchasehistory/L3/imports`, { method: 'POST', headers: own, body: '{}' })).json() as { id: string };
    const posted = (await call(`${base}/rest/4711/purchasehistory/L3/imports/${opened.id}/data`, { method: 'POST', headers: { Authorization: basic('shop'), 'Content-Type': 'text/csv' }, body: 'C-1;SKU;1.00\n' })).json() as { batchId: string };
    const other = { Authorization: basic('other'), 'Content-Type': 'application/json' };
    const answers = await Promise.all([
      call(`${base}/rest/4711/purchasehistory/L3/imports`, { method: 'POST', headers: other, body: '{}' }),
      call(`${base}/rest/815/purchasehistory/L3/imports/${opened.id}/data`, { method: 'POST', headers: { Authorization: basic('other'), 'Content-Type': 'text/csv' }, body: 'x' }),
      call(`${base}/rest/815/batches/${posted.batchId}`, { headers: other }),
      call(`${base}/rest/815/batches/999999`, { headers: other }),
    ]);
    for (const answer of answers) expect([answer.status, answer.json()]).toEqual([404, { error: { code: 404, message: 'no such resource' } }]);
    expect(await daemon.ledger('other')).toEqual([]);
  });

  it('refuses without credentials, with a wrong key, and data that is not text/csv', async () => {
    expect((await call(`${base}/rest/4711/batches/1`)).status).toBe(401);
    const wrong = await call(`${base}/rest/4711/batches/1`, { headers: { Authorization: `Basic ${Buffer.from('shop:nope').toString('base64')}` } });
    expect([wrong.status, wrong.headers.get('www-authenticate')]).toEqual([401, 'Basic realm="posdrop"']);
    const headers = { Authorization: basic('shop'), 'Content-Type': 'application/json' };
    const opened = (await call(`${base}/rest/4711/purchasehistory/L4/imports`, { method: 'POST', headers, body: '{}' })).json() as { id: string };
    const json = await call(`${base}/rest/4711/purchasehistory/L4/imports/${opened.id}/data`, { method: 'POST', headers, body: '{}' });
    expect([json.status, json.json()]).toEqual([415, { error: { code: 415, message: 'post the data with Content-Type: text/csv' } }]);
    const badList = await call(`${base}/rest/4711/purchasehistory/a_b/imports`, { method: 'POST', headers, body: '{}' });
    expect(badList.status).toBe(400);
  });

  it('answers 403 naming the account to a partner that does not send Carma files, and stores nothing', async () => {
    const headers = { Authorization: basic('pbjonly'), 'Content-Type': 'application/json' };
    const answers = await Promise.all([
      call(`${base}/rest/816/purchasehistory/L5/imports`, { method: 'POST', headers, body: '{}' }),
      call(`${base}/rest/816/batches/1`, { headers }),
    ]);
    for (const answer of answers) {
      expect([answer.status, answer.json()]).toEqual([403, { error: { code: 403, message: 'the account pbjonly does not send carma-purchase-history; an operator can add it with posdrop partners' } }]);
    }
    expect(await daemon.ledger('pbjonly')).toEqual([]);
  });
});
