/**
 * One leader among the nodes of one PostgreSQL database: the first node to ask leads, the others
 * do not, and when the leader stops or its connection dies the next node to ask takes over.
 */
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { havePostgres, startPostgres, type PostgresServer } from '../../test/support/postgres.js';
import { createLog } from '../log.js';
import { PostgresLeadership, soleLeader } from './leadership.js';
import { openPostgres } from './postgres/database.js';

const skip = !havePostgres('cluster leadership');
let server: PostgresServer | undefined;

beforeAll(async () => {
  if (!skip) server = await startPostgres();
});
afterAll(() => server?.stop());

const quiet = createLog({ level: 'error', stream: new PassThrough() });

describe('cluster leadership', () => {
  it('is always this node’s on SQLite, where one node runs', async () => {
    expect(await soleLeader.isLeader()).toBe(true);
  });

  it.skipIf(skip)('goes to one node of several, and to another once the leader stops or its connection dies', async () => {
    const url = await server!.createDatabase('leadership');
    const pools = await Promise.all([1, 2, 3].map(() => openPostgres(url, { max: 3 })));
    const [a, b, c] = pools.map((pool, i) => new PostgresLeadership(pool, `node-${i + 1}`, quiet)) as [PostgresLeadership, PostgresLeadership, PostgresLeadership];
    try {
      expect([await a.isLeader(), await b.isLeader(), await c.isLeader()]).toEqual([true, false, false]);
      expect(await a.isLeader()).toBe(true);

      await a.stop();
      expect([await b.isLeader(), await c.isLeader(), await a.isLeader()]).toEqual([true, false, false]);

      // the leader's connection is killed from the server's side, as when its node dies
      await pools[0]!.query("SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND granted AND pid <> pg_backend_pid()");
      // the lock is freed once the backend has exited, a moment after it was told to
      for (let tries = 0; tries < 100; tries += 1) {
        const { rows } = await pools[2]!.query<{ n: number }>("SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND granted");
        if (rows[0]?.n === 0) break;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(await c.isLeader()).toBe(true);
      // the old leader finds its connection gone and the lock another node's
      expect(await b.isLeader()).toBe(false);
      expect(await c.isLeader()).toBe(true);
    } finally {
      await Promise.all([a, b, c].map((node) => node.stop()));
      await Promise.all(pools.map((pool) => pool.end()));
    }
  });
});
