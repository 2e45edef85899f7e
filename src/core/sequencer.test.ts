import { describe, expect, it } from 'vitest';
import { advanceAfter, decideSequence, expectedName, releasable, releaseProblem, staleGaps } from './sequencer.js';

describe('decideSequence', () => {
  it('processes the next counter, and the first one of a new day', () => {
    expect(decideSequence(1, 0)).toEqual({ kind: 'next' });
    expect(decideSequence(8, 7)).toEqual({ kind: 'next' });
  });

  it('holds a file whose predecessor is missing, waiting for the first missing counter', () => {
    expect(decideSequence(3, 0)).toEqual({ kind: 'hold', waitingFor: 1 });
    expect(decideSequence(9, 7)).toEqual({ kind: 'hold', waitingFor: 8 });
  });

  it('treats a counter at or below the last processed one as a resend', () => {
    expect(decideSequence(7, 7)).toEqual({ kind: 'resend' });
    expect(decideSequence(1, 7)).toEqual({ kind: 'resend' });
  });
});

describe('advanceAfter', () => {
  it('moves only for the next counter; a resend leaves the sequence where it was', () => {
    expect(advanceAfter(1, 0)).toBe(1);
    expect(advanceAfter(2, 5)).toBe(5);
    expect(advanceAfter(7, 5)).toBe(5);
  });
});

describe('releasable', () => {
  it('gives the held files that may go now, in counter order', () => {
    const held = [
      { counter: 4, id: 'a' },
      { counter: 2, id: 'b' },
      { counter: 3, id: 'c' },
      { counter: 2, id: 'd' },
    ];
    expect(releasable(held, 1).map((file) => file.id)).toEqual(['b', 'd']);
    expect(releasable(held, 0)).toEqual([]);
  });
});

describe('releaseProblem', () => {
  it('accepts a skip of missing counters up to the first held one', () => {
    expect(releaseProblem(1, 3, [4, 6])).toBeUndefined();
    expect(releaseProblem(0, 5, [])).toBeUndefined();
  });

  it('refuses to skip nothing, to jump over a held file, or a counter out of range', () => {
    expect(releaseProblem(4, 4, [])).toMatch(/already processed/);
    expect(releaseProblem(1, 4, [4])).toBe('0004 is held and would be skipped: release through 0003 to process it next');
    expect(releaseProblem(0, 0, [])).toMatch(/from 1 to 9999/);
    expect(releaseProblem(0, 10_000, [])).toMatch(/from 1 to 9999/);
  });
});

describe('expectedName', () => {
  it('fills the name pattern with the date, counter and client id, and stars the free parts', () => {
    expect(expectedName('YYYYMMDD_NNNN_<client_id>_pos_<any>.json', '2017-06-23', 2, '12')).toBe('20170623_0002_12_pos_*.json');
  });
});

describe('staleGaps', () => {
  it('keeps gaps held at least the threshold, oldest first', () => {
    const now = new Date('2026-01-01T12:00:00Z');
    const gaps = [
      { partner: 'a', day: '2026-01-01', heldSince: '2026-01-01T11:01:00Z' },
      { partner: 'b', day: '2026-01-01', heldSince: '2026-01-01T11:00:00Z' },
      { partner: 'c', day: '2026-01-01', heldSince: '2026-01-01T09:30:00Z' },
    ];
    expect(staleGaps(gaps, now, 60).map((gap) => [gap.partner, gap.minutes])).toEqual([
      ['c', 150],
      ['b', 60],
    ]);
  });
});
