/** Counter sequences: one contract on SQLite and, where a server can be started, on PostgreSQL. */
import Database from 'better-sqlite3';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { havePostgres, startPostgres, type PostgresServer } from '../../test/support/postgres.js';
import { migrate } from './migrate.js';
import { openPostgres, type PgPool } from './postgres/database.js';
import { PostgresSequenceStore } from './postgres/sequences.js';
import { SqliteSequenceStore, type SequenceStoreAsync } from './sequence-store.js';

const AT = '2026-01-01T00:00:00.000Z';
const SETUP = `INSERT INTO partners (id, client_id, created_at, updated_at) VALUES ('acme', 'acme', '${AT}', '${AT}')`;
const now = () => new Date('2026-03-01T10:00:00.000Z');
const day1 = { partner: 'acme', format: 'crowdtwist-pos', day: '2026-03-01' };
const day2 = { ...day1, day: '2026-03-02' };

const noPostgres = !havePostgres('sequence store');
let server: PostgresServer | undefined;
let databases = 0;
beforeAll(async () => {
  if (!noPostgres) server = await startPostgres();
});
afterAll(() => server?.stop());

async function postgresPool(): Promise<PgPool> {
  const pool = await openPostgres(await server!.createDatabase(`sequences_${++databases}`), { max: 4 });
  await pool.query(SETUP);
  return pool;
}

const engines: [string, boolean, () => Promise<{ store: SequenceStoreAsync; close(): Promise<void> }>][] = [
  [
    'SQLite',
    false,
    async () => {
      const db = new Database(':memory:');
      migrate(db);
      db.exec(SETUP);
      return {
        store: new SqliteSequenceStore(db, now),
        async close() {
          db.close();
        },
      };
    },
  ],
  [
    'PostgreSQL',
    noPostgres,
    async () => {
      const pool = await postgresPool();
      const client = await pool.connect();
      return {
        store: new PostgresSequenceStore(client, now),
        async close() {
          client.release();
          await pool.end();
        },
      };
    },
  ],
];

describe.each(engines)('counter sequences on %s', (_engine, skip, open) => {
  it.skipIf(skip)('start at 0, keep each day apart, move on, and list the skipped gaps in order', async () => {
    const { store, close } = await open();
    try {
      await store.serialise(day1);
      expect(await store.lastProcessed(day1)).toBe(0);
      await store.setLastProcessed(day1, 1);
      await store.setLastProcessed(day1, 3);
      expect([await store.lastProcessed(day1), await store.lastProcessed(day2)]).toEqual([3, 0]);
      const first = await store.addSkip(day1, { fromCounter: 4, throughCounter: 5, reason: 'never sent', releasedBy: 'ops' });
      await store.addSkip(day1, { fromCounter: 7, throughCounter: 7, reason: 'lost', releasedBy: 'ops' });
      expect(first.releasedAt).toBe(now().toISOString());
      expect((await store.skips(day1)).map((s) => [s.fromCounter, s.throughCounter, s.reason, s.releasedBy])).toEqual([
        [4, 5, 'never sent', 'ops'],
        [7, 7, 'lost', 'ops'],
      ]);
      expect(await store.skips(day2)).toEqual([]);
    } finally {
      await close();
    }
  });
});

describe.skipIf(noPostgres)('counter sequences on PostgreSQL, across transactions', () => {
  /** Whether the backend `pid` waits for an advisory lock now. */
  async function waitsForLock(pool: PgPool, pid: number): Promise<boolean> {
    const { rows } = await pool.query<{ n: number }>("SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND NOT granted AND pid = $1", [pid]);
    return rows[0]?.n === 1;
  }

  async function backend(client: pg.PoolClient): Promise<number> {
    return (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
  }

  it("make a second transaction on the same sequence wait for the first, and read the counter it committed; another day's does not wait", async () => {
    const pool = await postgresPool();
    const [a, b, c] = await Promise.all([pool.connect(), pool.connect(), pool.connect()]);
    try {
      for (const client of [a, b, c]) await client.query('BEGIN');
      const first = new PostgresSequenceStore(a, now);
      await first.serialise(day1);
      expect(await first.lastProcessed(day1)).toBe(0);

      const other = new PostgresSequenceStore(c, now);
      await other.serialise(day2);
      await other.setLastProcessed(day2, 9);
      await c.query('COMMIT');

      const pidB = await backend(b);
      const second = new PostgresSequenceStore(b, now);
      let taken = false;
      const waiting = second.serialise(day1).then(() => (taken = true));
      let seen = false;
      for (let tries = 0; tries < 500 && !seen; tries++) seen = await waitsForLock(pool, pidB);
      expect([seen, taken]).toEqual([true, false]);

      await first.setLastProcessed(day1, 1);
      await a.query('COMMIT');
      await waiting;
      expect(await second.lastProcessed(day1)).toBe(1);
      await b.query('COMMIT');
    } finally {
      for (const client of [a, b, c]) client.release();
      await pool.end();
    }
  });
});
