import { describe, expect, it } from 'vitest';
import { backoffMs, fileEventFor, wants } from './notification-events.js';

describe('notification events', () => {
  it('raises an event for the states a receiver cares about only', () => {
    expect(['received', 'queued', 'processing', 'held', 'processed', 'rejected', 'failed'].map((state) => fileEventFor(state as never))).toEqual([
      undefined,
      undefined,
      undefined,
      'file.held',
      'file.processed',
      'file.rejected',
      'file.failed',
    ]);
  });

  it('filters by event and partner, and a partner filter never matches an event of no partner', () => {
    expect(wants({}, 'file.held', 'acme')).toBe(true);
    expect(wants({ events: ['file.processed'] }, 'file.held', 'acme')).toBe(false);
    expect(wants({ partners: ['acme'] }, 'file.held', 'acme')).toBe(true);
    expect(wants({ partners: ['acme'] }, 'file.held', 'other')).toBe(false);
    expect(wants({ partners: ['acme'] }, 'partner.banned', null)).toBe(false);
  });

  it('doubles the delay up to its cap, jittered over the upper half', () => {
    expect([1, 2, 3, 4, 10].map((attempt) => backoffMs(attempt, 1000, 5000, () => 1))).toEqual([1000, 2000, 4000, 5000, 5000]);
    expect([1, 2, 3].map((attempt) => backoffMs(attempt, 1000, 5000, () => 0))).toEqual([500, 1000, 2000]);
  });
});
