import { describe, expect, it } from 'vitest';
import type { Delivery } from '../store/notifications.js';
import { pick } from './deliverer.js';

const NOW = new Date('2026-12-03T10:00:00Z');

function delivery(id: number, subscription: string, fileId: number | null, dueInMs = 0): Delivery {
  const at = new Date(NOW.getTime() + dueInMs).toISOString();
  return { id, deliveryId: `d${id}`, subscription, event: 'file.processed', partner: 'p', fileId, body: '{}', state: 'pending', attempts: 0, createdAt: at, nextAttemptAt: at, lastError: null, finishedAt: null };
}

describe('pick', () => {
  it("keeps each file's events in order per subscription: a later one waits while an earlier one is pending", () => {
    const pending = [delivery(1, 'ops', 7, 5000), delivery(2, 'ops', 7), delivery(3, 'other', 7), delivery(4, 'ops', 8), delivery(5, 'ops', null), delivery(6, 'ops', null)];
    const { due, nextDueAt } = pick(pending, NOW, 10);
    expect(due.map((entry) => entry.id)).toEqual([3, 4, 5, 6]);
    expect(nextDueAt).toBe(NOW.getTime() + 5000);
  });

  it('takes at most `limit`, and says when nothing waits for its time', () => {
    const { due, nextDueAt } = pick([delivery(1, 'ops', 1), delivery(2, 'ops', 2), delivery(3, 'ops', 3)], NOW, 2);
    expect(due.map((entry) => entry.id)).toEqual([1, 2]);
    expect(nextDueAt).toBe(Number.POSITIVE_INFINITY);
  });
});
