/**
 * The short crash loop (`npm run torture:crash` runs 50 rounds): `kill -9` of the real daemon at
 * chosen moments while a partner uploads all four formats, then the database against the files.
 */
import { describe, expect, it } from 'vitest';
import { runCrashLoop } from '../../torture/crash-run.js';

describe('the crash loop, 10 rounds', () => {
  it('loses nothing and stores nothing twice, and every receipt says what the ledger says', { timeout: 300_000 }, async () => {
    const report = await runCrashLoop({ rounds: 10, seed: 20261201, size: { largePurchases: 4000, largeLines: 40_000 } });
    expect(report.problems).toEqual([]);
    expect({ lost: report.lost, duplicated: report.duplicated }).toEqual({ lost: 0, duplicated: 0 });
    expect(report.kills).toBe(10);
    // the kills landed somewhere that matters, not all between files
    expect(report.byPhase.idle).toBeLessThan(10);
    expect(report.records).toBeGreaterThan(80_000);
  });
});
