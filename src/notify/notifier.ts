/**
 * Raises events into the webhook outbox. A file's event is added by the ledger's move observer, in
 * the transaction of the move itself (on SQLite the synchronous `addNow` on the one connection; on
 * PostgreSQL on the move's client); any other event (a stale sequence, a ban) in a store
 * transaction of its own. The body is fixed when the event happens: a file's receipt as
 * it stood, or the event's own fields, with the event's name, time and the delivery's id.
 */
import type { NotificationsConfig } from '../config/notify-schema.js';
import { fileEventFor, type NotificationEvent } from '../core/notification-events.js';
import { receiptFor } from '../outbox/receipt.js';
import type { FileRecord, MoveObserver } from '../store/files.js';
import type { NewDelivery, NotificationStore } from '../store/notifications.js';
import type { PostgresMoveObserver } from '../store/postgres/ledger.js';
import { PostgresNotificationStore } from '../store/postgres/notifications.js';
import type { Store } from '../store/store.js';
import { subscribersOf } from './subscribers.js';

export class Notifier {
  constructor(
    private readonly config: NotificationsConfig,
    private readonly now: () => Date,
  ) {}

  /** The deliveries a file's move raises (none when its new state is no event, or nobody wants it). */
  deliveriesFor(file: FileRecord): NewDelivery[] {
    const event = fileEventFor(file.state);
    if (!event) return [];
    const at = this.now();
    const receipt = receiptFor(file, at);
    return subscribersOf(this.config, event, file.partner).map((subscription) => ({
      subscription,
      event,
      partner: file.partner,
      fileId: file.id,
      body: (deliveryId) => JSON.stringify({ event, time: at.toISOString(), delivery_id: deliveryId, ...receipt }),
    }));
  }

  /** The SQLite ledger's move observer: runs synchronously inside the move's transaction. */
  sqliteObserver(outbox: NotificationStore): MoveObserver {
    return (file) => outbox.addNow(this.deliveriesFor(file));
  }

  /** The PostgreSQL ledger's move observer: writes on the move's client, so it commits with the move. */
  readonly postgresObserver: PostgresMoveObserver = (file, client) => new PostgresNotificationStore(client, this.now).add(this.deliveriesFor(file));

  /** An event outside a file's move, into `store`; resolves once it is stored (or nobody wants it). */
  async raise(store: Store, event: NotificationEvent, partner: string | null, fields: Record<string, unknown>): Promise<void> {
    const subscriptions = subscribersOf(this.config, event, partner);
    if (subscriptions.length === 0) return;
    const at = this.now();
    const deliveries = subscriptions.map(
      (subscription): NewDelivery => ({
        subscription,
        event,
        partner,
        fileId: null,
        body: (deliveryId) => JSON.stringify({ event, time: at.toISOString(), delivery_id: deliveryId, partner, ...fields }),
      }),
    );
    await store.transaction((tx) => tx.notifications.add(deliveries));
  }
}
