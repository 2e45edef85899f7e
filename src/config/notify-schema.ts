/**
 * The `notifications` section: webhook subscriptions and how deliveries are retried. Kept apart
 * from schema.ts like the operations keys: it is the integrator's part of the configuration.
 */
import { z } from 'zod';
import { NOTIFICATION_EVENTS } from '../core/notification-events.js';

const url = z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' });
/** A shared secret: long enough that guessing it is no shortcut to forging a signature. */
const secret = z.string().min(16, 'must be at least 16 characters (use a random secret: openssl rand -hex 32)');

export const subscriptionSchema = z.strictObject({
  /** Names the subscription in `posdrop notifications list` and the metrics. */
  name: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, 'lower-case letters, digits, - and _ (at most 64)'),
  url,
  secret,
  /** The events sent; all of them when left out. */
  events: z.array(z.enum(NOTIFICATION_EVENTS)).min(1).optional(),
  /** Only these partners' events; every partner's when left out. */
  partners: z.array(z.string().min(1)).min(1).optional(),
});

/** A partner's own URL: its files' receipts (`file.*` events), signed with its own secret. */
export const partnerReceiptsSchema = z.strictObject({ url, secret });

export const notificationsSchema = z
  .strictObject({
    subscriptions: z
      .array(subscriptionSchema)
      .default([])
      .superRefine((subscriptions, ctx) => {
        const seen = new Set<string>();
        subscriptions.forEach((subscription, index) => {
          if (seen.has(subscription.name)) ctx.addIssue({ code: 'custom', path: [index, 'name'], message: `the subscription name ${subscription.name} is used twice` });
          seen.add(subscription.name);
        });
      }),
    /** Keyed by partner id. */
    partner_receipts: z.record(z.string().min(1), partnerReceiptsSchema).default({}),
    /** How long a delivery is retried before it is dead-lettered. */
    retry_hours: z.number().positive().max(24 * 30).default(24),
    /** The first retry's delay; each next one doubles, with jitter, up to `backoff_max_seconds`. */
    backoff_seconds: z.number().positive().max(3600).default(10),
    backoff_max_seconds: z.number().positive().max(86_400).default(3600),
    /** A receiver that has not answered by then has failed this attempt. */
    timeout_seconds: z.number().positive().max(300).default(10),
    /** Deliveries under way at once, over every subscription. */
    concurrency: z.number().int().min(1).max(64).default(4),
  })
  .prefault({});

export type NotificationsConfig = z.infer<typeof notificationsSchema>;
export type SubscriptionConfig = z.infer<typeof subscriptionSchema>;
