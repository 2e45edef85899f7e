/**
 * The short cluster loop (`npm run torture:cluster` runs 50 rounds): three nodes sharing one
 * throwaway PostgreSQL and one data directory, the partner's sessions spread over them round
 * robin, `kill -9` of the node at each chosen moment, then the store against the files.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCrashLoop } from '../../torture/crash-run.js';
import { havePostgres, startPostgres, type PostgresServer } from '../support/postgres.js';

describe.skipIf(!havePostgres('cluster-loop'))('the cluster loop, 3 nodes, 8 rounds', () => {
  let server: PostgresServer;
  beforeAll(async () => {
    server = await startPostgres();
  });
  afterAll(() => server?.stop());

  it('loses nothing and stores nothing twice, whichever node is killed, and keeps every day\'s counters in order', { timeout: 180_000 }, async () => {
    const storeUrl = await server.createDatabase('cluster_loop');
    const report = await runCrashLoop({ rounds: 8, seed: 20261203, nodes: 3, storeUrl, size: { largePurchases: 3000, largeLines: 30_000 } });
    expect(report.problems).toEqual([]);
    expect({ lost: report.lost, duplicated: report.duplicated }).toEqual({ lost: 0, duplicated: 0 });
    expect(report.kills).toBe(8);
    expect(report.byPhase.idle).toBeLessThan(8);
    // more than one node was killed: takeovers between nodes happened, not one node's restarts
    expect(report.byNode.filter((kills) => kills > 0).length).toBeGreaterThan(1);
    expect(report.records).toBeGreaterThan(60_000);
  });
});
