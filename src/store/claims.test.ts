/**
 * Work claims, one contract on both engines, and on PostgreSQL the takeover between two nodes of
 * one database: a file another node's transaction holds is never taken, whatever its lease says;
 * once that node's connection is gone and its lease has run out, the file is queued again.
 */
import { PassThrough } from 'node:stream';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { havePostgres, startPostgres, type PostgresServer } from '../../test/support/postgres.js';
import { createLog } from '../log.js';
import { ClaimKeeper } from '../pipeline/claim-keeper.js';
import { migrate } from './migrate.js';
import { openPostgres } from './postgres/database.js';
import { PostgresStore, SqliteStore, type Store } from './store.js';
import { WriteLock } from './write-lock.js';

const AT = '2026-01-01T00:00:00.000Z';
const SETUP = `INSERT INTO partners (id, client_id, created_at, updated_at) VALUES ('acme', 'acme', '${AT}', '${AT}')`;
const T0 = Date.parse('2026-03-01T10:00:00.000Z');
const iso = (ms: number) => new Date(ms).toISOString();

interface Opened {
  store: Store;
  /** A second node on the same database (PostgreSQL only). */
  other?: () => Promise<Store>;
  close(): Promise<void>;
}

let clock = T0;
const now = () => new Date(clock);

function sqlite(): Opened {
  const db = new Database(':memory:');
  db.pragma('foreign_keys = ON');
  migrate(db);
  db.exec(SETUP);
  return { store: new SqliteStore(db, new WriteLock(db), now), close: async () => void db.close() };
}

let server: PostgresServer | undefined;
let databases = 0;

async function postgres(): Promise<Opened> {
  if (!server) throw new Error('no PostgreSQL server');
  const url = await server.createDatabase(`claims_${++databases}`);
  const pool = await openPostgres(url, { max: 4 });
  await pool.query(SETUP);
  const others: Awaited<ReturnType<typeof openPostgres>>[] = [];
  return {
    store: new PostgresStore(pool, now),
    other: async () => {
      const second = await openPostgres(url, { max: 4 });
      others.push(second);
      return new PostgresStore(second, now);
    },
    close: async () => {
      await Promise.all([pool.end(), ...others.map((other) => other.end())]);
    },
  };
}

const engines: [string, () => Promise<Opened> | Opened, boolean][] = [
  ['SQLite', sqlite, false],
  ['PostgreSQL', postgres, !havePostgres('work claims')],
];

beforeAll(async () => {
  if (!engines[1]![2]) server = await startPostgres();
});
afterAll(() => server?.stop());

async function queuedFile(store: Store, name: string): Promise<number> {
  return store.transaction(async (tx) => {
    const file = await tx.ledger.insert({ partner: 'acme', name, sha256: 'aa', size: 1 });
    await tx.ledger.move(file.id, 'queued');
    return file.id;
  });
}

/** Claims `id` for `node` as the pipeline does: locked while queued, claimed, `processing`. */
function claim(store: Store, id: number, node: string, leaseUntil: string): Promise<boolean> {
  return store.transaction(async (tx) => {
    if (!(await tx.claims.lockQueued(id))) return false;
    await tx.claims.take(id, node, now().toISOString(), leaseUntil);
    await tx.ledger.move(id, 'processing');
    return true;
  });
}

function logLines(): { log: ReturnType<typeof createLog>; events: () => Record<string, unknown>[] } {
  const stream = new PassThrough();
  const lines: string[] = [];
  stream.on('data', (chunk: Buffer) => lines.push(...chunk.toString('utf8').split('\n').filter(Boolean)));
  return { log: createLog({ level: 'warn', stream }), events: () => lines.map((line) => JSON.parse(line) as Record<string, unknown>) };
}

describe.each(engines)('work claims on %s', (_engine, open, skip) => {
  async function withStore(work: (opened: Opened) => Promise<void>): Promise<void> {
    clock = T0;
    const opened = await open();
    try {
      await work(opened);
    } finally {
      await opened.close();
    }
  }

  it.skipIf(skip)('claims a queued file once, renews its lease, and releases it', () =>
    withStore(async ({ store }) => {
      const id = await queuedFile(store, 'a.csv');
      expect(await claim(store, id, 'node-a', iso(T0 + 30_000))).toBe(true);
      expect(await claim(store, id, 'node-b', iso(T0 + 30_000))).toBe(false);
      expect(await store.claims.list()).toEqual([{ fileId: id, nodeId: 'node-a', claimedAt: iso(T0), leaseUntil: iso(T0 + 30_000) }]);
      expect(await store.claims.renew('node-a', iso(T0 + 60_000))).toBe(1);
      expect(await store.claims.renew('node-b', iso(T0 + 60_000))).toBe(0);
      expect((await store.claims.list())[0]?.leaseUntil).toBe(iso(T0 + 60_000));
      await store.transaction((tx) => tx.claims.release(id));
      expect(await store.claims.list()).toEqual([]);
    }));

  it.skipIf(skip)('lists as abandoned a file whose lease ran out, one never claimed, and one of an earlier run of this node, not a live one', () =>
    withStore(async ({ store }) => {
      const expired = await queuedFile(store, 'expired.csv');
      const live = await queuedFile(store, 'live.csv');
      const mine = await queuedFile(store, 'mine.csv');
      const unclaimed = await queuedFile(store, 'unclaimed.csv');
      await claim(store, expired, 'node-b', iso(T0 - 1));
      await claim(store, live, 'node-b', iso(T0 + 30_000));
      await claim(store, mine, 'node-a', iso(T0 + 30_000));
      await store.transaction((tx) => tx.ledger.move(unclaimed, 'processing'));
      const ids = async (earlierRun?: string) => (await store.claims.abandoned(iso(T0), earlierRun)).map((file) => file.fileId);
      expect(await ids()).toEqual([expired, unclaimed]);
      expect(await ids('node-a')).toEqual([expired, mine, unclaimed]);
    }));

  it.skipIf(skip)('takes back at start what this node had in hand, queued with its history saying so', () =>
    withStore(async ({ store }) => {
      const id = await queuedFile(store, 'a.csv');
      await claim(store, id, 'node-a', iso(T0 + 30_000));
      const taken: number[] = [];
      const { log, events } = logLines();
      const keeper = new ClaimKeeper({ store, node: { id: 'node-a', leaseMs: 30_000 }, log, now, onTakenOver: (file) => taken.push(file.id) });
      await keeper.start();
      await keeper.stop();
      expect(taken).toEqual([id]);
      expect((await store.ledger.get(id))?.state).toBe('queued');
      expect((await store.ledger.events(id)).at(-1)?.detail).toBe('interrupted; processed again');
      expect(await store.claims.list()).toEqual([]);
      expect(events().map((event) => event.event)).toEqual(['file.requeued']);
    }));
});

describe('work claims between two PostgreSQL nodes', () => {
  it.skipIf(engines[1]![2])('never takes a file another node’s transaction holds, and takes it over once that node is gone and its lease ran out', () =>
    withPostgres(async ({ store, other }) => {
      const nodeB = await other!();
      const id = await queuedFile(store, 'big.json');
      expect(await claim(store, id, 'node-a', iso(T0 + 30_000))).toBe(true);
      // node A works on the file: its transaction holds the row until it commits, or its connection dies
      const pool = (store as PostgresStore).pool;
      const client = await pool.connect();
      await client.query('BEGIN');
      await client.query('SELECT 1 FROM files WHERE id = $1 FOR UPDATE', [id]);

      const taken: number[] = [];
      const { log, events } = logLines();
      const keeperB = new ClaimKeeper({ store: nodeB, node: { id: 'node-b', leaseMs: 30_000 }, log, now, onTakenOver: (file) => taken.push(file.id) });
      clock = T0 + 60_000; // the lease has run out, but node A still holds the row
      await keeperB.sweep();
      expect(taken).toEqual([]);
      expect((await nodeB.ledger.get(id))?.state).toBe('processing');

      client.release(new Error('node A is killed')); // its connection ends: PostgreSQL rolls back and frees the row
      // …once its backend has exited, a moment after the socket closed
      for (let tries = 0; tries < 100; tries += 1) {
        const { rows } = await pool.query<{ n: number }>("SELECT count(*)::int AS n FROM pg_stat_activity WHERE state LIKE 'idle in transaction%'");
        if (rows[0]?.n === 0) break;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      await keeperB.sweep();
      expect(taken).toEqual([id]);
      const file = await nodeB.ledger.get(id);
      expect(file?.state).toBe('queued');
      expect((await nodeB.ledger.events(id)).at(-1)?.detail).toBe(`taken over by node-b: the lease of node-a ran out at ${iso(T0 + 30_000)}`);
      expect(events()).toMatchObject([{ event: 'file.taken_over', id, from: 'node-a' }]);
      expect(await claim(nodeB, id, 'node-b', iso(clock + 30_000))).toBe(true);
    }));
});

/** A fresh PostgreSQL database for one case, closed afterwards. */
async function withPostgres(work: (opened: Opened) => Promise<void>): Promise<void> {
  clock = T0;
  const opened = await postgres();
  try {
    await work(opened);
  } finally {
    await opened.close();
  }
}
