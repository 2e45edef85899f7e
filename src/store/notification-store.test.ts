/** The webhook outbox: one contract on SQLite and, where a server can be started, on PostgreSQL. */
import { describe, expect, it } from 'vitest';
import { storeEngines, type OpenedEngine } from '../../test/support/store-engines.js';
import { NotificationStore, type NewDelivery, type NotificationOutbox } from './notifications.js';
import { PostgresNotificationStore } from './postgres/notifications.js';

function steppingClock(): () => Date {
  let at = Date.parse('2026-03-01T10:00:00.000Z');
  return () => new Date((at += 1000));
}

const storeOn = (opened: OpenedEngine): NotificationOutbox =>
  opened.engine === 'sqlite' ? new NotificationStore(opened.db, steppingClock()) : new PostgresNotificationStore(opened.pool, steppingClock());

const delivery = (subscription: string, fileId: number | null = 7): NewDelivery => ({
  subscription,
  event: 'file.processed',
  partner: 'acme',
  fileId,
  body: (id) => JSON.stringify({ delivery_id: id, subscription }),
});

describe.each(storeEngines('notification store'))('the outbox on %s', (_engine, skip, open) => {
  async function withOutbox(work: (store: NotificationOutbox) => Promise<void>): Promise<void> {
    const opened = await open();
    try {
      await work(storeOn(opened));
    } finally {
      await opened.close();
    }
  }

  it.skipIf(skip)('adds deliveries due at once, each body built from its own id, and hands out pending ones in the order raised', () =>
    withOutbox(async (store) => {
      await store.add([delivery('crm'), delivery('audit', null)]);
      await store.add([]);
      await store.add([delivery('crm', 8)]);
      const pending = await store.pending(10);
      expect(pending.map((row) => [row.subscription, row.fileId])).toEqual([['crm', 7], ['audit', null], ['crm', 8]]);
      const [first] = pending;
      expect(first).toMatchObject({ event: 'file.processed', partner: 'acme', state: 'pending', attempts: 0, lastError: null, finishedAt: null });
      expect(first!.nextAttemptAt).toBe(first!.createdAt);
      expect(JSON.parse(first!.body)).toEqual({ delivery_id: first!.deliveryId, subscription: 'crm' });
      expect(new Set(pending.map((row) => row.deliveryId)).size).toBe(3);
      expect((await store.pending(2)).map((row) => row.id)).toEqual(pending.slice(0, 2).map((row) => row.id));
      expect(await store.get(first!.id)).toEqual(first);
      expect(await store.get(999)).toBeUndefined();
    }));

  it.skipIf(skip)('marks what became of each attempt, counts per subscription, retries the dead, and forgets finished rows', () =>
    withOutbox(async (store) => {
      await store.add([delivery('crm'), delivery('crm', 8), delivery('audit', 9)]);
      const [a, b, c] = await store.pending(10);
      await store.delivered(a!.id);
      await store.failed(b!.id, 'HTTP 500', new Date('2026-03-01T11:00:00.000Z'));
      await store.failed(c!.id, 'HTTP 410', null);
      expect(await store.get(a!.id)).toMatchObject({ state: 'delivered', attempts: 1, lastError: null });
      expect(await store.get(b!.id)).toMatchObject({ state: 'pending', attempts: 1, lastError: 'HTTP 500', nextAttemptAt: '2026-03-01T11:00:00.000Z' });
      expect(await store.get(c!.id)).toMatchObject({ state: 'dead', attempts: 1, lastError: 'HTTP 410' });
      await store.delivered(c!.id);
      expect((await store.get(c!.id))!.state).toBe('dead');
      expect(await store.figures()).toEqual([
        { subscription: 'audit', pending: 0, delivered: 0, dead: 1, oldestPendingAt: null },
        { subscription: 'crm', pending: 1, delivered: 1, dead: 0, oldestPendingAt: b!.createdAt },
      ]);
      expect((await store.list()).map((row) => row.id)).toEqual([c!.id, b!.id, a!.id]);
      expect((await store.list({ state: 'pending' })).map((row) => row.id)).toEqual([b!.id]);
      expect((await store.list({ subscription: 'crm', limit: 1 })).map((row) => row.id)).toEqual([b!.id]);
      expect(await store.retry([a!.id, c!.id, 999])).toBe(1);
      expect(await store.get(c!.id)).toMatchObject({ state: 'pending', finishedAt: null });
      await store.failed(c!.id, 'HTTP 410', null);
      expect(await store.retry('dead')).toBe(1);
      expect(await store.forget(new Date('2000-01-01T00:00:00.000Z'))).toBe(0);
      expect(await store.forget(new Date('2100-01-01T00:00:00.000Z'))).toBe(1);
      expect(await store.get(a!.id)).toBeUndefined();
      expect((await store.list()).map((row) => row.id)).toEqual([c!.id, b!.id]);
    }));
});
