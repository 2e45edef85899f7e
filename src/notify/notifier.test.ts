/**
 * A file's event is stored in the transaction of the move that raised it, on either engine: a
 * move rolled back leaves no delivery behind, a committed one leaves one per subscription.
 */
import { describe, expect, it } from 'vitest';
import { storeEngines } from '../../test/support/store-engines.js';
import { notificationsSchema } from '../config/notify-schema.js';
import { FileLedger } from '../store/files.js';
import { NotificationStore } from '../store/notifications.js';
import { PostgresLedgerStore } from '../store/postgres/ledger.js';
import { PostgresNotificationStore } from '../store/postgres/notifications.js';
import { WriteLock } from '../store/write-lock.js';
import { Notifier } from './notifier.js';

const AT = '2026-01-01T00:00:00.000Z';
const SETUP = [`INSERT INTO partners (id, client_id, created_at, updated_at) VALUES ('acme', 'acme', '${AT}', '${AT}')`];
const now = () => new Date('2026-03-01T10:00:00.000Z');
const config = notificationsSchema.parse({
  subscriptions: [
    { name: 'crm', url: 'https://crm.example/hook', secret: 'a-secret-of-enough-length', events: ['file.rejected'] },
    { name: 'audit', url: 'https://audit.example/hook', secret: 'a-secret-of-enough-length' },
  ],
});
const upload = { partner: 'acme', name: 'a.csv', sha256: 'aa', size: 1 };
const rejection = { reasonCode: 'bad_name', reason: 'not a name of any format' };

describe.each(storeEngines('notifier'))('file events on %s', (_engine, skip, open) => {
  it.skipIf(skip)('are stored with the move that raised them: none after a rollback, one per subscription after a commit', async () => {
    const opened = await open(SETUP);
    try {
      if (opened.engine === 'sqlite') {
        const outbox = new NotificationStore(opened.db, now);
        const lock = new WriteLock(opened.db);
        const notifier = new Notifier(config, now);
        const ledger = new FileLedger(opened.db, now, notifier.sqliteObserver(outbox));
        const file = await lock.transaction(() => ledger.insert(upload, null));
        await expect(
          lock.transaction(() => {
            ledger.move(file.id, 'rejected', rejection);
            throw new Error('the disk is full');
          }),
        ).rejects.toThrow('the disk is full');
        expect(await outbox.list()).toEqual([]);
        await lock.transaction(() => ledger.move(file.id, 'rejected', rejection));
      } else {
        const outbox = new PostgresNotificationStore(opened.pool, now);
        const notifier = new Notifier(config, now);
        const file = await new PostgresLedgerStore(opened.pool, now).insert(upload);
        const client = await opened.pool.connect();
        try {
          await client.query('BEGIN');
          await new PostgresLedgerStore(client, now, notifier.postgresObserver).move(file.id, 'rejected', rejection);
          expect((await client.query('SELECT count(*)::int AS n FROM notification_deliveries')).rows).toEqual([{ n: 2 }]);
          await client.query('ROLLBACK');
        } finally {
          client.release();
        }
        expect(await outbox.list()).toEqual([]);
        await new PostgresLedgerStore(opened.pool, now, notifier.postgresObserver).move(file.id, 'rejected', rejection);
      }
      const rows = await opened.rows('SELECT subscription, event, file_id, body FROM notification_deliveries ORDER BY subscription');
      expect((rows as { subscription: string; event: string; file_id: number }[]).map(({ subscription, event, file_id }) => [subscription, event, file_id])).toEqual([
        ['audit', 'file.rejected', 1],
        ['crm', 'file.rejected', 1],
      ]);
      expect(JSON.parse((rows[0] as { body: string }).body)).toMatchObject({ event: 'file.rejected', time: now().toISOString() });
    } finally {
      await opened.close();
    }
  });
});
