/**
 * The webhook outbox on PostgreSQL, answering `NotificationOutbox` as SQLite does. A file's
 * deliveries are added on the client of the move's transaction (the notifier's
 * `PostgresMoveObserver`), so they commit or roll back with the state that raised them.
 */
import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { toDelivery, type Delivery, type DeliveryQuery, type DeliveryRow, type NewDelivery, type NotificationOutbox, type SubscriptionFigures } from '../notifications.js';

export class PostgresNotificationStore implements NotificationOutbox {
  constructor(
    private readonly db: pg.Pool | pg.ClientBase,
    private readonly now: () => Date,
  ) {}

  async add(deliveries: readonly NewDelivery[]): Promise<void> {
    if (deliveries.length === 0) return;
    const at = this.now().toISOString();
    const params: unknown[] = [at];
    const values = deliveries.map((delivery) => {
      const id = randomUUID();
      const first = params.length + 1;
      params.push(id, delivery.subscription, delivery.event, delivery.partner, delivery.fileId, delivery.body(id));
      return `($${first}, $${first + 1}, $${first + 2}, $${first + 3}, $${first + 4}, $${first + 5}, $1, $1)`;
    });
    // One statement for all of an event's subscriptions: atomic on its own outside a transaction.
    await this.db.query(
      `INSERT INTO notification_deliveries (delivery_id, subscription, event, partner_id, file_id, body, created_at, next_attempt_at) VALUES ${values.join(', ')}`,
      params,
    );
  }

  async pending(limit: number): Promise<Delivery[]> {
    const { rows } = await this.db.query<DeliveryRow>("SELECT * FROM notification_deliveries WHERE state = 'pending' ORDER BY id LIMIT $1", [limit]);
    return rows.map(toDelivery);
  }

  async delivered(id: number): Promise<void> {
    await this.db.query(
      "UPDATE notification_deliveries SET state = 'delivered', attempts = attempts + 1, last_error = NULL, finished_at = $1 WHERE id = $2 AND state = 'pending'",
      [this.now().toISOString(), id],
    );
  }

  async failed(id: number, error: string, retryAt: Date | null): Promise<void> {
    if (retryAt) {
      await this.db.query("UPDATE notification_deliveries SET attempts = attempts + 1, last_error = $1, next_attempt_at = $2 WHERE id = $3 AND state = 'pending'", [
        error,
        retryAt.toISOString(),
        id,
      ]);
    } else {
      await this.db.query(
        "UPDATE notification_deliveries SET state = 'dead', attempts = attempts + 1, last_error = $1, finished_at = $2 WHERE id = $3 AND state = 'pending'",
        [error, this.now().toISOString(), id],
      );
    }
  }

  async retry(ids: readonly number[] | 'dead'): Promise<number> {
    const at = this.now().toISOString();
    const result =
      ids === 'dead'
        ? await this.db.query("UPDATE notification_deliveries SET state = 'pending', created_at = $1, next_attempt_at = $1, finished_at = NULL WHERE state = 'dead'", [at])
        : await this.db.query(
            "UPDATE notification_deliveries SET state = 'pending', created_at = $1, next_attempt_at = $1, finished_at = NULL WHERE id = ANY($2::bigint[]) AND state != 'delivered'",
            [at, [...ids]],
          );
    return result.rowCount ?? 0;
  }

  async get(id: number): Promise<Delivery | undefined> {
    const { rows } = await this.db.query<DeliveryRow>('SELECT * FROM notification_deliveries WHERE id = $1', [id]);
    return rows[0] && toDelivery(rows[0]);
  }

  async list(query: DeliveryQuery = {}): Promise<Delivery[]> {
    const { rows } = await this.db.query<DeliveryRow>(
      `SELECT * FROM notification_deliveries WHERE ($1::text IS NULL OR state = $1) AND ($2::text IS NULL OR subscription = $2)
       ORDER BY id DESC LIMIT $3`,
      [query.state ?? null, query.subscription ?? null, query.limit ?? 100],
    );
    return rows.map(toDelivery);
  }

  async figures(): Promise<SubscriptionFigures[]> {
    const { rows } = await this.db.query<SubscriptionFigures>(
      `SELECT subscription,
              count(*) FILTER (WHERE state = 'pending') AS pending, count(*) FILTER (WHERE state = 'delivered') AS delivered,
              count(*) FILTER (WHERE state = 'dead') AS dead,
              min(created_at) FILTER (WHERE state = 'pending') AS "oldestPendingAt"
         FROM notification_deliveries GROUP BY subscription ORDER BY subscription`,
    );
    return rows;
  }

  async forget(before: Date): Promise<number> {
    const result = await this.db.query("DELETE FROM notification_deliveries WHERE state != 'pending' AND finished_at < $1", [before.toISOString()]);
    return result.rowCount ?? 0;
  }
}
