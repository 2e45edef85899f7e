/**
 * Sends the webhook outbox. Each pass takes the due deliveries in the order they were raised,
 * at most `concurrency` at a time and one per (subscription, file), so that the events of one
 * file reach a receiver in order: a delivery waits while an earlier one of its file is still
 * pending. A 2xx answer delivers; anything else (an error, a timeout, a redirect) is retried with
 * exponential backoff and jitter until `retry_hours` have passed since the event, then the delivery
 * is dead-lettered (`posdrop notifications retry`). Results are written in a store transaction of
 * their own, so sending never holds up a file's transaction and never joins it. Of several nodes,
 * only the leader sends (the others' events wait at most a poll), so no delivery goes out twice.
 */
import type { NotificationsConfig } from '../config/notify-schema.js';
import { backoffMs } from '../core/notification-events.js';
import { errorMessage } from '../core/errors.js';
import type { Log } from '../log.js';
import type { Leadership } from '../store/leadership.js';
import type { Delivery, NotificationOutbox } from '../store/notifications.js';
import type { Store } from '../store/store.js';
import { SIGNATURE_HEADER, signatureHeader } from './signature.js';
import { targetOf } from './subscribers.js';

export interface DelivererOptions {
  config: NotificationsConfig;
  store: Store;
  /** Whether this node sends; the sole node always does. */
  leadership?: Leadership;
  log: Log;
  now: () => Date;
  /** How often the outbox is looked at when nothing wakes the deliverer. */
  pollMs?: number;
  random?: () => number;
  /** Each failed attempt, for the metrics. */
  onAttemptFailed?: (subscription: string) => void;
}

/** How many pending rows one pass reads. */
const PASS_ROWS = 500;

type Outcome = { delivery: Delivery; error?: string };

export class Deliverer {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  /** When the earliest delivery not yet due will be (ms since the epoch), as the last pass saw it. */
  private nextDue = Number.POSITIVE_INFINITY;
  private again = false;
  private stopped = true;

  constructor(private readonly options: DelivererOptions) {}

  start(): void {
    this.stopped = false;
    this.wake();
  }

  /** Looks at the outbox now (a state was committed); a pass under way runs once more. */
  wake(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    clearTimeout(this.timer);
    this.running = this.passes().finally(() => {
      this.running = undefined;
      if (this.stopped) return;
      if (this.again) return this.wake();
      const poll = this.options.pollMs ?? 1000;
      const wait = Math.max(0, Math.min(poll, this.nextDue - this.options.now().getTime()));
      this.timer = setTimeout(() => this.wake(), wait).unref();
    });
  }

  /** Stops after the attempts under way; what is pending stays for the next start. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  /** Passes until one sends nothing. */
  private async passes(): Promise<void> {
    try {
      do {
        this.again = false;
        const sent = await this.pass();
        if (sent > 0) this.again = true;
      } while (this.again && !this.stopped);
    } catch (err) {
      this.options.log.error('notification.pass_failed', { error: errorMessage(err) });
    }
  }

  private async pass(): Promise<number> {
    const { store, config, now, leadership } = this.options;
    if (leadership && !(await leadership.isLeader())) return 0;
    // Read when no transaction of this process is open: inside a file's, its own uncommitted
    // event would be seen, and sent, before the file commits (or rolls back).
    const pending = await store.exclusive(() => store.notifications.pending(PASS_ROWS));
    const { due, nextDueAt } = pick(pending, now(), config.concurrency);
    this.nextDue = nextDueAt;
    if (due.length === 0) return 0;
    const outcomes = await Promise.all(due.map((delivery) => this.attempt(delivery)));
    await store.transaction(async (tx) => {
      for (const outcome of outcomes) await this.record(tx.notifications, outcome);
    });
    return due.length;
  }

  private async attempt(delivery: Delivery): Promise<Outcome> {
    const { config, now } = this.options;
    const target = targetOf(config, delivery.subscription);
    if (!target) return { delivery, error: 'the subscription is no longer configured' };
    try {
      const response = await fetch(target.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': 'posdrop-webhooks',
          'posdrop-event': delivery.event,
          'posdrop-delivery': delivery.deliveryId,
          [SIGNATURE_HEADER]: signatureHeader(target.secret, delivery.body, now()),
        },
        body: delivery.body,
        redirect: 'manual',
        signal: AbortSignal.timeout(config.timeout_seconds * 1000),
      });
      await response.body?.cancel().catch(() => undefined);
      return response.ok ? { delivery } : { delivery, error: `the receiver answered HTTP ${response.status}` };
    } catch (err) {
      return { delivery, error: describe(err) };
    }
  }

  private async record(store: NotificationOutbox, { delivery, error }: Outcome): Promise<void> {
    const { config, log, now } = this.options;
    const fields = { subscription: delivery.subscription, notified: delivery.event, delivery_id: delivery.deliveryId, attempt: delivery.attempts + 1 };
    if (error === undefined) {
      await store.delivered(delivery.id);
      log.debug('notification.delivered', fields);
      return;
    }
    this.options.onAttemptFailed?.(delivery.subscription);
    const at = now();
    const retryAt = new Date(at.getTime() + backoffMs(delivery.attempts + 1, config.backoff_seconds * 1000, config.backoff_max_seconds * 1000, this.options.random ?? Math.random));
    const giveUpAt = Date.parse(delivery.createdAt) + config.retry_hours * 3_600_000;
    const retry = retryAt.getTime() <= giveUpAt && targetOf(config, delivery.subscription) !== undefined;
    await store.failed(delivery.id, error, retry ? retryAt : null);
    if (retry) log.info('notification.retrying', { ...fields, error, next_attempt_at: retryAt.toISOString() });
    else log.warn('notification.dead', { ...fields, error });
  }
}

/**
 * The deliveries to attempt now: due, in order, at most `limit`, and none while an earlier one of
 * the same subscription and file is still pending (due or not); and when the first of those that
 * wait for their time will be due (ms since the epoch; Infinity when none waits).
 */
export function pick(pending: readonly Delivery[], now: Date, limit: number): { due: Delivery[]; nextDueAt: number } {
  const heads = new Set<string>();
  const due: Delivery[] = [];
  let nextDueAt = Number.POSITIVE_INFINITY;
  for (const delivery of pending) {
    const key = delivery.fileId === null ? `#${delivery.id}` : `${delivery.subscription}\0${delivery.fileId}`;
    if (heads.has(key)) continue;
    heads.add(key);
    const at = Date.parse(delivery.nextAttemptAt);
    if (at > now.getTime()) nextDueAt = Math.min(nextDueAt, at);
    else if (due.length < limit) due.push(delivery);
  }
  return { due, nextDueAt };
}

/** fetch's errors say "fetch failed" and keep the reason in `cause`. */
function describe(err: unknown): string {
  if (err instanceof Error && err.name === 'TimeoutError') return 'the receiver did not answer in time';
  const cause = err instanceof Error ? (err.cause as { code?: string; message?: string } | undefined) : undefined;
  return cause?.code ?? cause?.message ?? errorMessage(err);
}
