/** The events a webhook subscription may ask for, and which file states raise them. */
import type { FileState } from './file-state.js';

export const NOTIFICATION_EVENTS = ['file.processed', 'file.rejected', 'file.held', 'file.failed', 'sequence.stale', 'partner.banned'] as const;

export type NotificationEvent = (typeof NOTIFICATION_EVENTS)[number];

const FILE_EVENTS: Partial<Record<FileState, NotificationEvent>> = {
  processed: 'file.processed',
  rejected: 'file.rejected',
  held: 'file.held',
  failed: 'file.failed',
};

/** The event a file's move to `state` raises, if any (`received`, `queued`, `processing` raise none). */
export function fileEventFor(state: FileState): NotificationEvent | undefined {
  return FILE_EVENTS[state];
}

/** Whether a subscription with these filters wants this event of this partner. */
export function wants(filter: { events?: readonly string[] | undefined; partners?: readonly string[] | undefined }, event: NotificationEvent, partner: string | null): boolean {
  if (filter.events && !filter.events.includes(event)) return false;
  if (filter.partners && (partner === null || !filter.partners.includes(partner))) return false;
  return true;
}

/**
 * The delay before attempt `attempt` (1 = the first retry): `base` doubled each time, capped at
 * `max`, with "full jitter" over the upper half so that receivers coming back are not stampeded.
 */
export function backoffMs(attempt: number, baseMs: number, maxMs: number, random: () => number): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}
