/**
 * The daemon on PostgreSQL: `store.url` names the database, nothing is written to a SQLite file,
 * a partner's upload goes through to a receipt and its rows, and a restart keeps what was stored.
 */
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { drop } from '../support/drop.js';
import { sftpBatch } from '../support/clients.js';
import { TestDaemon, waitFor, type TestPartner } from '../support/daemon.js';
import { havePostgres, startPostgres, type PostgresServer } from '../support/postgres.js';

const fixture = (name: string) => readFile(new URL(`../../fixtures/carma/${name}`, import.meta.url));

describe.skipIf(!havePostgres('postgres-daemon'))('the daemon on PostgreSQL', () => {
  let server: PostgresServer;
  let url: string;
  let daemon: TestDaemon;
  let carma: TestPartner;
  const rows = async (sql: string): Promise<unknown[]> => {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      return (await client.query(sql)).rows;
    } finally {
      await client.end();
    }
  };

  beforeAll(async () => {
    server = await startPostgres();
    url = await server.createDatabase('daemon');
    daemon = await TestDaemon.start({ store: { url, node_id: 'node-a' } });
    carma = await daemon.addPartner({ id: 'carma', formats: ['carma-purchase-history'] });
  });
  afterAll(async () => {
    await daemon?.destroy();
    server?.stop();
  });

  it('keeps everything in the database: no SQLite file, the partner and its keys in PostgreSQL', async () => {
    expect(existsSync(daemon.path('posdrop.db'))).toBe(false);
    expect(await rows("SELECT id, client_id FROM partners WHERE id = 'carma'")).toEqual([{ id: 'carma', client_id: 'carma' }]);
    expect(await rows("SELECT count(*)::int AS n FROM partner_keys WHERE partner_id = 'carma'")).toEqual([{ n: 1 }]);
  });

  it('processes an upload into its rows and its receipt, and answers the same bytes again as the same import', async () => {
    const name = 'purchasehistory_L1_example.csv';
    const content = await fixture(name);
    const receipt = await drop(daemon, carma, name, content);
    expect(receipt).toMatchObject({ state: 'processed', counts: { total: 6, accepted: 6, failed: 0 } });
    expect(await rows("SELECT count(*)::int AS n FROM carma_purchases WHERE list_id = 'L1'")).toEqual([{ n: 6 }]);
    const stored = await rows(`SELECT state, node_id FROM files LEFT JOIN claims ON claims.file_id = files.id WHERE name = '${name}'`);
    expect(stored).toEqual([{ state: 'processed', node_id: null }]); // the claim is gone with the file's commit

    // the same bytes under the same name are the same import: answered again, stored once
    const local = daemon.path('again.csv');
    await writeFile(local, content);
    expect((await sftpBatch(daemon.port, carma, [`put ${local} /inbox/${name}`])).code).toBe(0);
    await waitFor(async () => !(await daemon.folder('carma', 'inbox')).includes(name));
    await daemon.idle();
    expect(await rows(`SELECT state FROM files WHERE name = '${name}'`)).toEqual([{ state: 'processed' }]);
    expect(await rows("SELECT count(*)::int AS n FROM carma_purchases WHERE list_id = 'L1'")).toEqual([{ n: 6 }]);
  });

  it('answers health and metrics with the node and its store', async () => {
    const health = await fetch(`http://127.0.0.1:${daemon.httpPort}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'ok', database: { ok: true, detail: 'a write committed' } });
    const metrics = await (await fetch(`http://127.0.0.1:${daemon.httpPort}/metrics`)).text();
    expect(metrics).toContain('posdrop_node_info{node_id="node-a",store="postgres"} 1');
    expect(metrics).toMatch(/posdrop_files\{[^}]*state="processed"[^}]*\} 1/);
  });

  it('finds after a restart what it stored before', async () => {
    await daemon.restart();
    const files = await daemon.app.running.store.ledger.list({ partner: 'carma' });
    expect(files.map((file) => [file.name, file.state])).toEqual([['purchasehistory_L1_example.csv', 'processed']]);
    const name = 'purchasehistory_L2_after-restart.csv';
    const receipt = await drop(daemon, carma, name, 'r-1;SKU-9;3.00\n');
    expect(receipt).toMatchObject({ state: 'processed', counts: { accepted: 1 } });
  });

  it('says which database it cannot open, without its password', async () => {
    const unreachable = `postgres://posdrop:hunter2@127.0.0.1:${server.port + 1}/nowhere`;
    const started = TestDaemon.start({ store: { url: unreachable } });
    await expect(started).rejects.toMatchObject({ code: 'store_unreachable' });
    await expect(started).rejects.toThrow(/^cannot open the PostgreSQL database postgres:\/\/posdrop:\*\*\*@127\.0\.0\.1:\d+\/nowhere \(store\.url\): /);
    await expect(started).rejects.not.toThrow(/hunter2/);
  });
});
