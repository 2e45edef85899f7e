/**
 * Who hears an event: the configured subscriptions whose filters want it, and for a file's event
 * the partner's own URL (`partner_receipts`). Resolved from the configuration in force, so a
 * reload's new secret or URL applies to the next attempt.
 */
import type { NotificationsConfig } from '../config/notify-schema.js';
import { wants, type NotificationEvent } from '../core/notification-events.js';

/** Where and how one subscription is sent. */
export interface Target {
  url: string;
  secret: string;
}

const PARTNER_PREFIX = 'partner:';

/** The names of the subscriptions that get `event` of `partner`. */
export function subscribersOf(config: NotificationsConfig, event: NotificationEvent, partner: string | null): string[] {
  const names = config.subscriptions.filter((subscription) => wants(subscription, event, partner)).map((subscription) => subscription.name);
  if (partner !== null && event.startsWith('file.') && config.partner_receipts[partner]) names.push(`${PARTNER_PREFIX}${partner}`);
  return names;
}

/** The URL and secret of a subscription by name, or undefined when the configuration no longer has it. */
export function targetOf(config: NotificationsConfig, subscription: string): Target | undefined {
  if (subscription.startsWith(PARTNER_PREFIX)) return config.partner_receipts[subscription.slice(PARTNER_PREFIX.length)];
  return config.subscriptions.find((candidate) => candidate.name === subscription);
}
