import { readFile, writeFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FormatProcessor } from '../../src/pipeline/processor.js';
import { BUILT_IN_FORMATS } from '../../src/formats/registry.js';
import type { FormatSpec } from '../../src/formats/types.js';
import { posdrop } from '../support/cli.js';
import { sftpBatch } from '../support/clients.js';
import { TestDaemon, waitFor, type TestPartner } from '../support/daemon.js';
import { csvRows, drop, fetchJson, fetchOutbox } from '../support/drop.js';
import { sqliteOnlyTest } from '../support/store-sql.js';

const fixture = (name: string) => readFile(new URL(`../../fixtures/carma/${name}`, import.meta.url));

describe('Carma purchase history through the daemon', () => {
  let daemon: TestDaemon;
  let carma: TestPartner;

  const rows = (listId: string) =>
    daemon.rows('SELECT line, original_id, sku, item_price, transaction_time, quantity, total_price, custom FROM carma_purchases WHERE list_id = ? ORDER BY id', listId);

  beforeAll(async () => {
    daemon = await TestDaemon.start();
    carma = await daemon.addPartner({ id: 'carma', formats: ['carma-purchase-history'] });
  });
  afterAll(() => daemon.destroy());

  it("imports the guide's column layout and answers Carma's batch status", async () => {
    const name = 'purchasehistory_L1_example.csv';
    const receipt = await drop(daemon, carma, name, await fixture(name));
    expect(receipt.state).toBe('processed');
    const status = (await fetchJson(daemon, carma, `${name}.status.json`)) as Record<string, unknown>;
    const timings = receipt.timings as { processing_started_at: string; finished_at: string };
    expect(status).toEqual({
      id: expect.any(Number),
      type: 'IMPORT',
      customerId: 0,
      startTime: Date.parse(timings.processing_started_at),
      endTime: Date.parse(timings.finished_at),
      affected: 6,
      processed: 6,
      total: 6,
      status: 'FINISHED',
    });
    const stored = await rows('L1');
    expect(stored[0]).toEqual({ line: 1, original_id: 'C-1001', sku: 'SKU-1', item_price: '20.50', transaction_time: null, quantity: null, total_price: null, custom: null });
    expect(stored[4]).toMatchObject({ original_id: 'C-1005', item_price: '000100.00', custom: '{"column2":"gold"}' });
    expect(JSON.parse((stored[5] as { custom: string }).custom)).toMatchObject({ column2: 'custom2', column26: 'custom26' });
  });

  it('skips one bad line of each kind; a failed line still counts in total', async () => {
    const lines = [
      'ok-1;S;1.00', // 1
      `wide;S;1.00;2014-03-12 10:00:00;1;1.00${';x'.repeat(26)}`, // 2: 32 columns
      'short;S', // 3
      'price;S;20,50', // 4
      'time;S;1.00;2014-03-12T10:00:00', // 5
      'qty;S;1.00;;two', // 6
      'cr;S;1.\r00', // 7
      'nul;S;1.00\0', // 8
      ';S;1.00', // 9: original_id empty
      'ok-2;S;2.00;2014-03-12 10:00:00;1;2.00', // 10
    ];
    const name = 'purchasehistory_L2_kinds.txt';
    const receipt = await drop(daemon, carma, name, `${lines.join('\r\n')}\r\n`);
    expect(receipt.counts).toEqual({ total: 10, accepted: 2, failed: 8, duplicates: 0 });
    expect(await fetchJson(daemon, carma, `${name}.status.json`)).toMatchObject({ affected: 2, processed: 2, total: 10, status: 'FINISHED' });
    const log = csvRows(await fetchOutbox(daemon, carma, `${name}.errors.csv`));
    expect(log.slice(1).map((row) => [row[0], row[1], row[3]])).toEqual([
      ['2', '', 'too_many_columns'],
      ['3', '', 'missing_columns'],
      ['4', 'item_price', 'invalid_amount'],
      ['5', 'transaction_time', 'invalid_datetime'],
      ['6', 'quantity', 'invalid_number'],
      ['7', '', 'lone_cr'],
      ['8', '', 'nul_byte'],
      ['9', 'original_id', 'missing_field'],
    ]);
    expect(log[1]?.[4]).toBe('the line has 32 columns; at most 31 are allowed; expected at most 31 columns');
    expect((await rows('L2')).map((row) => (row as { original_id: string }).original_id)).toEqual(['ok-1', 'ok-2']);
  });

  it('neutralises a formula in the error log and tolerates a BOM', async () => {
    const name = 'purchasehistory_L3_formula.csv';
    await drop(daemon, carma, name, '\uFEFF@SUM(A1);S;=1+1\n-3;S;3.00\n');
    const log = csvRows(await fetchOutbox(daemon, carma, `${name}.errors.csv`));
    expect(log[1]).toEqual(['1', 'item_price', "'=1+1", 'invalid_amount', 'item_price is not a valid amount; expected a decimal number with a point, such as 20.50', "'@SUM(A1);S;=1+1"]);
    expect(await rows('L3')).toEqual([expect.objectContaining({ line: 2, original_id: '-3' })]);
  });

  it('appends a resend: the same data twice is stored twice', async () => {
    const data = 'r-1;S;1.00\nr-2;S;2.00\n';
    await drop(daemon, carma, 'purchasehistory_L4_first.csv', data);
    const second = await drop(daemon, carma, 'purchasehistory_L4_again.csv', data);
    expect(second.counts).toMatchObject({ accepted: 2, duplicates: 0 });
    expect((await rows('L4')).map((row) => (row as { original_id: string }).original_id)).toEqual(['r-1', 'r-2', 'r-1', 'r-2']);
  });

  it('refuses a file that is not UTF-8 with the byte offset, storing nothing of it', async () => {
    const bytes = Buffer.concat([Buffer.from('u-1;S;1.00\nu-2;S;'), Buffer.from([0xc3, 0x28]), Buffer.from(';1.00\n')]);
    const receipt = await drop(daemon, carma, 'purchasehistory_L5_latin.csv', bytes);
    expect(receipt.state).toBe('rejected');
    expect(receipt.reason).toEqual({
      code: 'not_utf8',
      message: 'the file is not valid UTF-8: the byte at offset 17 (counting from 0) does not begin or continue a UTF-8 character; save the file as UTF-8',
    });
    expect(await rows('L5')).toEqual([]);
    // what Carma answers for a failed import: finished, every line read counted, nothing affected
    expect(receipt.counts).toEqual({ total: 2, accepted: 0, failed: 2, duplicates: 0 });
    const status = await fetchJson(daemon, carma, 'purchasehistory_L5_latin.csv.status.json');
    expect(status).toMatchObject({ status: 'FINISHED', total: 2, affected: 0, processed: 0, reason: receipt.reason });
  });

  it("gives the batch status the partner's customerId", async () => {
    const account = await daemon.addPartner({ id: 'carma-4711', formats: ['carma-purchase-history'], options: { carma_customer_id: 4711 } });
    const name = 'purchasehistory_L6_account.csv';
    const receipt = await drop(daemon, account, name, 'a-1;S;1.00\n');
    expect(receipt.state).toBe('processed');
    const status = (await fetchJson(daemon, account, `${name}.status.json`)) as Record<string, unknown>;
    expect(Object.keys(status)).toEqual(['id', 'type', 'customerId', 'startTime', 'endTime', 'affected', 'processed', 'total', 'status']);
    expect(status).toMatchObject({ customerId: 4711, affected: 1, total: 1, status: 'FINISHED' });
    const added = await posdrop(daemon, ['partners', 'add', 'carma-cli', '--format', 'carma-purchase-history', '--carma-customer-id', '12', '--generate-password']);
    expect(added.code, added.stderr).toBe(0);
    expect((await daemon.store.partners.get('carma-cli'))?.options).toEqual({ carma_customer_id: 12 });
    const wrong = await posdrop(daemon, ['partners', 'add', 'carma-bad', '--format', 'carma-purchase-history', '--carma-customer-id', 'x', '--generate-password']);
    expect(wrong).toMatchObject({ code: 2, stderr: expect.stringContaining('--carma-customer-id must be a whole number') });
  });
});

describe("Carma's batch status through a file's life", () => {
  let daemon: TestDaemon;
  let carma: TestPartner;
  /** By state: while its gate is closed, the daemon's write lock stays taken once a file reaches it. */
  const gates = new Map<string, Promise<void>>();

  function gate(state: string): () => void {
    let open!: () => void;
    gates.set(state, new Promise<void>((resolve) => {
      open = resolve;
    }));
    return () => open();
  }

  /** The real Carma format, whose state documents (written before the next step) take the gates. */
  function gated(spec: FormatSpec): FormatSpec {
    const real = spec.processor as FormatProcessor;
    const onStateChange: FormatProcessor['onStateChange'] = (file, partner, dryRun) => {
      const closed = gates.get(file.state);
      if (closed) {
        gates.delete(file.state);
        // the next state waits for the lock: this one is what the partner reads meanwhile
        void daemon.app.running.lock.exclusive(() => closed);
      }
      return real.onStateChange?.(file, partner, dryRun) ?? [];
    };
    return { ...spec, processor: { ...real, onStateChange } };
  }

  beforeAll(async () => {
    const formats = new Map(BUILT_IN_FORMATS.map((spec) => [spec.id, spec.id === 'carma-purchase-history' ? gated(spec) : spec]));
    daemon = await TestDaemon.start({}, { formats: (id) => formats.get(id as FormatSpec['id']) });
    carma = await daemon.addPartner({ id: 'carma', formats: ['carma-purchase-history'] });
  });
  afterAll(() => daemon.destroy());

  sqliteOnlyTest("holding a Carma file's state behind SQLite's write lock")('reads PENDING while queued, IN_PROGRESS while processed, FINISHED after, over SFTP', async () => {
    const name = 'purchasehistory_L9_states.csv';
    const statusOf = (wanted: string) =>
      waitFor(async () => {
        const status = (await fetchJson(daemon, carma, `${name}.status.json`)) as Record<string, unknown>;
        return status.status === wanted && status;
      }, 20_000);
    const startProcessing = gate('queued');
    const finishProcessing = gate('processing');
    const local = daemon.path(name);
    await writeFile(local, 's-1;S;1.00\ns-2;S;2.00\nbad;S;2,00\n');
    expect((await sftpBatch(daemon.port, carma, [`put ${local} /inbox/${name}`])).code).toBe(0);

    const pending = await statusOf('PENDING');
    expect(pending).toEqual({ id: expect.any(Number), type: 'IMPORT', customerId: 0, startTime: null, endTime: null, affected: 0, processed: 0, total: 0, status: 'PENDING' });
    expect(await daemon.receipt('carma', name)).toMatchObject({ state: 'queued' });
    startProcessing();

    const inProgress = await statusOf('IN_PROGRESS');
    expect(inProgress).toMatchObject({ id: pending.id, startTime: expect.any(Number), endTime: null, affected: 0, total: 0 });
    expect(await daemon.receipt('carma', name)).toMatchObject({ state: 'processing' });
    finishProcessing();

    const finished = await statusOf('FINISHED');
    expect(finished).toMatchObject({ id: pending.id, startTime: inProgress.startTime, affected: 2, processed: 2, total: 3 });
    expect(finished.endTime as number).toBeGreaterThanOrEqual(inProgress.startTime as number);
  });
});
