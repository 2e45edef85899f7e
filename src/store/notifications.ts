/**
 * The webhook outbox (`notification_deliveries`): one row per event and subscription. Rows are
 * added inside the transaction of the change that raised them; the deliverer reads due rows and
 * marks what became of each attempt. Callers inside the daemon hold the write lock for writes.
 * The methods are async so that a store on another engine can keep this interface.
 */
import { randomUUID } from 'node:crypto';
import type { Db } from './database.js';
import { Statements } from './statements.js';

export type DeliveryState = 'pending' | 'delivered' | 'dead';

export interface Delivery {
  id: number;
  deliveryId: string;
  subscription: string;
  event: string;
  partner: string | null;
  fileId: number | null;
  body: string;
  state: DeliveryState;
  attempts: number;
  createdAt: string;
  nextAttemptAt: string;
  lastError: string | null;
  finishedAt: string | null;
}

/** A new delivery: the event's body for one subscription. */
export interface NewDelivery {
  subscription: string;
  event: string;
  partner: string | null;
  fileId: number | null;
  /** Builds the JSON sent from the delivery's own id (receivers drop repeats by it). */
  body: (deliveryId: string) => string;
}

/** Per subscription: how many deliveries are in each state, and the oldest pending one. */
export interface SubscriptionFigures {
  subscription: string;
  pending: number;
  delivered: number;
  dead: number;
  oldestPendingAt: string | null;
}

/** A `notification_deliveries` row as both engines return it. */
export interface DeliveryRow {
  id: number;
  delivery_id: string;
  subscription: string;
  event: string;
  partner_id: string | null;
  file_id: number | null;
  body: string;
  state: DeliveryState;
  attempts: number;
  created_at: string;
  next_attempt_at: string;
  last_error: string | null;
  finished_at: string | null;
}

/** The row mapper of `notification_deliveries`, one for both engines. */
export function toDelivery(row: DeliveryRow): Delivery {
  return {
    id: row.id,
    deliveryId: row.delivery_id,
    subscription: row.subscription,
    event: row.event,
    partner: row.partner_id,
    fileId: row.file_id,
    body: row.body,
    state: row.state,
    attempts: row.attempts,
    createdAt: row.created_at,
    nextAttemptAt: row.next_attempt_at,
    lastError: row.last_error,
    finishedAt: row.finished_at,
  };
}

/** A query of `NotificationOutbox.list`. */
export interface DeliveryQuery {
  state?: DeliveryState;
  subscription?: string;
  limit?: number;
}

/** The webhook outbox, whatever engine holds it (SQLite: `NotificationStore`; PostgreSQL: `postgres/notifications.ts`). */
export interface NotificationOutbox {
  /** Adds deliveries, due at once, in the caller's transaction. */
  add(deliveries: readonly NewDelivery[]): Promise<void>;
  /** Pending deliveries in the order they were raised, at most `limit`. */
  pending(limit: number): Promise<Delivery[]>;
  delivered(id: number): Promise<void>;
  /** Tried again at `retryAt`, or dead-lettered when there is none. */
  failed(id: number, error: string, retryAt: Date | null): Promise<void>;
  /** Dead (or pending) deliveries sent again at once, from a fresh retry period; how many. */
  retry(ids: readonly number[] | 'dead'): Promise<number>;
  get(id: number): Promise<Delivery | undefined>;
  /** Newest first. */
  list(query?: DeliveryQuery): Promise<Delivery[]>;
  figures(): Promise<SubscriptionFigures[]>;
  /** Deletes delivered and dead rows finished before `before`; how many. */
  forget(before: Date): Promise<number>;
}

export class NotificationStore implements NotificationOutbox {
  private readonly sql: Statements;

  constructor(
    private readonly db: Db,
    private readonly now: () => Date,
  ) {
    this.sql = new Statements(db);
  }

  /**
   * Adds deliveries, due at once, in the caller's transaction. Synchronous on purpose: it runs
   * inside the state change that raised them (`FileLedger.move`), so it commits or rolls back
   * with it; an event of its own is added inside `WriteLock.transaction`.
   */
  addNow(deliveries: readonly NewDelivery[]): void {
    const at = this.now().toISOString();
    const insert = this.sql.get(
      `INSERT INTO notification_deliveries (delivery_id, subscription, event, partner_id, file_id, body, created_at, next_attempt_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    for (const delivery of deliveries) {
      const id = randomUUID();
      insert.run(id, delivery.subscription, delivery.event, delivery.partner, delivery.fileId, delivery.body(id), at, at);
    }
  }

  async add(deliveries: readonly NewDelivery[]): Promise<void> {
    this.addNow(deliveries);
  }

  /** Pending deliveries in the order they were raised, at most `limit`; the caller keeps each file's order. */
  async pending(limit: number): Promise<Delivery[]> {
    const rows = this.sql.get("SELECT * FROM notification_deliveries WHERE state = 'pending' ORDER BY id LIMIT ?").all(limit) as DeliveryRow[];
    return rows.map(toDelivery);
  }

  /** The receiver took it. */
  async delivered(id: number): Promise<void> {
    this.sql
      .get("UPDATE notification_deliveries SET state = 'delivered', attempts = attempts + 1, last_error = NULL, finished_at = ? WHERE id = ? AND state = 'pending'")
      .run(this.now().toISOString(), id);
  }

  /** An attempt failed: tried again at `retryAt`, or dead-lettered when there is none. */
  async failed(id: number, error: string, retryAt: Date | null): Promise<void> {
    const at = this.now().toISOString();
    if (retryAt) {
      this.sql
        .get("UPDATE notification_deliveries SET attempts = attempts + 1, last_error = ?, next_attempt_at = ? WHERE id = ? AND state = 'pending'")
        .run(error, retryAt.toISOString(), id);
    } else {
      this.sql
        .get("UPDATE notification_deliveries SET state = 'dead', attempts = attempts + 1, last_error = ?, finished_at = ? WHERE id = ? AND state = 'pending'")
        .run(error, at, id);
    }
  }

  /** Dead (or pending) deliveries sent again at once, from a fresh retry period; how many. For the CLI's own connection. */
  async retry(ids: readonly number[] | 'dead'): Promise<number> {
    const at = this.now().toISOString();
    if (ids === 'dead') {
      return this.sql
        .get("UPDATE notification_deliveries SET state = 'pending', created_at = ?, next_attempt_at = ?, finished_at = NULL WHERE state = 'dead'")
        .run(at, at).changes;
    }
    const retry = this.sql.get(
      "UPDATE notification_deliveries SET state = 'pending', created_at = ?, next_attempt_at = ?, finished_at = NULL WHERE id = ? AND state != 'delivered'",
    );
    let changed = 0;
    this.db.transaction(() => {
      for (const id of ids) changed += retry.run(at, at, id).changes;
    }).immediate();
    return changed;
  }

  async get(id: number): Promise<Delivery | undefined> {
    const row = this.sql.get('SELECT * FROM notification_deliveries WHERE id = ?').get(id) as DeliveryRow | undefined;
    return row && toDelivery(row);
  }

  /** Newest first. */
  async list(query: DeliveryQuery = {}): Promise<Delivery[]> {
    const rows = this.sql
      .get(
        `SELECT * FROM notification_deliveries WHERE (@state IS NULL OR state = @state) AND (@subscription IS NULL OR subscription = @subscription)
         ORDER BY id DESC LIMIT @limit`,
      )
      .all({ state: query.state ?? null, subscription: query.subscription ?? null, limit: query.limit ?? 100 }) as DeliveryRow[];
    return rows.map(toDelivery);
  }

  async figures(): Promise<SubscriptionFigures[]> {
    return this.sql
      .get(
        `SELECT subscription,
                sum(state = 'pending') AS pending, sum(state = 'delivered') AS delivered, sum(state = 'dead') AS dead,
                min(CASE WHEN state = 'pending' THEN created_at END) AS oldestPendingAt
           FROM notification_deliveries GROUP BY subscription ORDER BY subscription`,
      )
      .all() as SubscriptionFigures[];
  }

  /** Deletes delivered and dead rows finished before `before` (retention); how many. */
  async forget(before: Date): Promise<number> {
    return this.sql.get("DELETE FROM notification_deliveries WHERE state != 'pending' AND finished_at < ?").run(before.toISOString()).changes;
  }
}
