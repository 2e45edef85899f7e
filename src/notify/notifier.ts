/**
 * Raises events into the webhook outbox. A file's event is added by the ledger's move observer, in
 * the transaction of the move itself; any other event (a stale sequence, a ban) in a transaction
 * of its own behind the write lock. The body is fixed when the event happens: a file's receipt as
 * it stood, or the event's own fields, with the event's name, time and the delivery's id.
 */
import type { NotificationsConfig } from '../config/notify-schema.js';
import { fileEventFor, type NotificationEvent } from '../core/notification-events.js';
import { receiptFor } from '../outbox/receipt.js';
import type { FileRecord } from '../store/files.js';
import type { NotificationStore } from '../store/notifications.js';
import type { WriteLock } from '../store/write-lock.js';
import { subscribersOf } from './subscribers.js';

export class Notifier {
  constructor(
    private readonly config: NotificationsConfig,
    private readonly store: NotificationStore,
    private readonly lock: WriteLock,
    private readonly now: () => Date,
  ) {}

  /** The ledger's move observer: runs inside the move's transaction. */
  readonly fileMoved = (file: FileRecord): void => {
    const event = fileEventFor(file.state);
    if (!event) return;
    const at = this.now();
    const receipt = receiptFor(file, at);
    this.store.add(
      subscribersOf(this.config, event, file.partner).map((subscription) => ({
        subscription,
        event,
        partner: file.partner,
        fileId: file.id,
        body: (deliveryId) => JSON.stringify({ event, time: at.toISOString(), delivery_id: deliveryId, ...receipt }),
      })),
    );
  };

  /** An event outside a file's move; resolves once it is stored (or nobody wants it). */
  async raise(event: NotificationEvent, partner: string | null, fields: Record<string, unknown>): Promise<void> {
    const subscriptions = subscribersOf(this.config, event, partner);
    if (subscriptions.length === 0) return;
    const at = this.now();
    await this.lock.transaction(() =>
      this.store.add(
        subscriptions.map((subscription) => ({
          subscription,
          event,
          partner,
          fileId: null,
          body: (deliveryId) => JSON.stringify({ event, time: at.toISOString(), delivery_id: deliveryId, partner, ...fields }),
        })),
      ),
    );
  }
}
