/**
 * The protocol-neutral delivery through the running daemon: a body spooled, fsynced and linked
 * into the inbox, submitted to the intake and waited on to its final ledger row.
 */
import { readFile } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deliverStream } from '../../src/delivery/deliver.js';
import { DeliveryRefusal } from '../../src/delivery/refusal.js';
import { TestDaemon, type TestPartner } from '../support/daemon.js';

const fixture = (name: string) => readFile(new URL(`../../fixtures/pbj/${name}`, import.meta.url));

/** A body that sends `data` and then, if asked, breaks off as a dropped connection does. */
function body(data: Buffer, breakAfter?: number): Readable {
  return Readable.from(
    (async function* () {
      if (breakAfter === undefined) {
        yield data;
        return;
      }
      yield data.subarray(0, breakAfter);
      throw new Error('the connection went away');
    })(),
  );
}

describe('delivery of a body into an inbox, and its outcome', () => {
  let daemon: TestDaemon;
  let jumbo: TestPartner;

  beforeAll(async () => {
    daemon = await TestDaemon.start();
    jumbo = await daemon.addPartner({ id: 'jumbo', channels: ['direct-mail'], formats: ['pbj-offline-sales'] });
  });
  afterAll(() => daemon.destroy());

  it('delivers, and the submitted file resolves with its final row, marked as come over http', async () => {
    const data = await fixture('direct-mail_20-04-2020_1.csv');
    const name = 'direct-mail_20-04-2020_1.csv';
    const { layout, running } = daemon.app;
    const spooled = await deliverStream(layout, { partner: jumbo.id, area: 'inbox', name, maxBytes: 1 << 20, body: body(data) });
    expect(spooled.size).toBe(data.length);
    const record = await running.intake.submit({ partner: jumbo.id, area: 'inbox', name, sha256: spooled.sha256, via: 'http' });
    expect(record).toMatchObject({ state: 'processed', sha256: spooled.sha256, via: 'http', counts: { accepted: 34 } });
    expect(await daemon.receipt(jumbo.id, name)).toMatchObject({ state: 'processed', via: 'http' });
    expect(await daemon.folder(jumbo.id, 'inbox')).toEqual([]);
    expect(await daemon.spool(jumbo.id, 'inbox')).toEqual([]);
  });

  it('refuses a body over the limit while it arrives and keeps nothing of it', async () => {
    const data = Buffer.alloc(300_000, 'x');
    const refusal = await deliverStream(daemon.app.layout, {
      partner: jumbo.id,
      area: 'inbox',
      name: 'direct-mail_20-04-2020_9.csv',
      maxBytes: 100_000,
      body: body(data),
    }).catch((err: unknown) => err);
    expect(refusal).toBeInstanceOf(DeliveryRefusal);
    expect(refusal).toMatchObject({ kind: 'too_large', message: 'direct-mail_20-04-2020_9.csv is larger than the upload limit of 100,000 bytes; the upload was discarded' });
    expect(await daemon.folder(jumbo.id, 'inbox')).toEqual([]);
    expect(await daemon.deliverySpool(jumbo.id)).toEqual([]);
  });

  it('leaves nothing when the sender goes away half-way', async () => {
    const failure = await deliverStream(daemon.app.layout, {
      partner: jumbo.id,
      area: 'inbox',
      name: 'direct-mail_20-04-2020_8.csv',
      maxBytes: 1 << 20,
      body: body(Buffer.alloc(50_000, 'y'), 20_000),
    }).catch((err: unknown) => err);
    expect(String(failure)).toContain('the connection went away');
    expect(await daemon.folder(jumbo.id, 'inbox')).toEqual([]);
    expect(await daemon.deliverySpool(jumbo.id)).toEqual([]);
  });

  it('never replaces a file waiting under the same name', async () => {
    const { layout } = daemon.app;
    const name = 'direct-mail_20-04-2020_7.csv';
    await daemon.stop();
    try {
      await deliverStream(layout, { partner: jumbo.id, area: 'inbox', name, maxBytes: 1 << 20, body: body(Buffer.from('first')) });
      const second = await deliverStream(layout, { partner: jumbo.id, area: 'inbox', name, maxBytes: 1 << 20, body: body(Buffer.from('second')) }).catch(
        (err: unknown) => err,
      );
      expect(second).toMatchObject({ kind: 'name_waiting' });
      expect((await readFile(daemon.path('partners', jumbo.id, 'inbox', name))).toString()).toBe('first');
      expect(await daemon.deliverySpool(jumbo.id)).toEqual([]);
    } finally {
      await daemon.app.stop();
    }
  });
});
