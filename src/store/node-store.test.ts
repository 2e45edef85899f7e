/**
 * The nodes seam: one contract on SQLite and, where a server can be started, on PostgreSQL. Each
 * case goes through the store as the daemon and the CLI do: writes in a transaction, reads outside.
 */
import { describe, expect, it } from 'vitest';
import { storeEngines, type OpenedEngine } from '../../test/support/store-engines.js';
import { NODE_ALIVE_MS, NODE_BEAT_MS, nodeAlive } from './nodes.js';
import { PostgresStore, SqliteStore, type Store } from './store.js';
import { WriteLock } from './write-lock.js';

const now = () => new Date('2026-03-01T10:00:00.000Z');

function storeOn(opened: OpenedEngine): Store {
  return opened.engine === 'sqlite' ? new SqliteStore(opened.db, new WriteLock(opened.db), now) : new PostgresStore(opened.pool, now);
}

describe.each(storeEngines('node store'))('the nodes on %s', (_engine, skip, open) => {
  async function withStore(work: (store: Store, opened: OpenedEngine) => Promise<void>): Promise<void> {
    const opened = await open();
    try {
      await work(storeOn(opened), opened);
    } finally {
      await opened.close();
    }
  }

  it.skipIf(skip)('lists each node announced, by id, with its start as its first beat', () =>
    withStore(async (store) => {
      expect(await store.nodes.list()).toEqual([]);
      await store.transaction(async (tx) => {
        await tx.nodes.announce({ id: 'node-b', startedAt: new Date('2026-03-01T09:00:00.000Z'), version: '0.9.0', pid: 200 });
        await tx.nodes.announce({ id: 'node-a', startedAt: new Date('2026-03-01T09:30:00.000Z'), version: '0.9.1', pid: 100 });
      });
      expect(await store.nodes.list()).toEqual([
        { id: 'node-a', startedAt: '2026-03-01T09:30:00.000Z', beatAt: '2026-03-01T09:30:00.000Z', version: '0.9.1', pid: 100 },
        { id: 'node-b', startedAt: '2026-03-01T09:00:00.000Z', beatAt: '2026-03-01T09:00:00.000Z', version: '0.9.0', pid: 200 },
      ]);
    }));

  it.skipIf(skip)('moves only the beating node’s beat, and says when a node has no row to beat', () =>
    withStore(async (store) => {
      await store.transaction(async (tx) => {
        await tx.nodes.announce({ id: 'a', startedAt: new Date('2026-03-01T09:00:00.000Z'), version: '1', pid: 1 });
        await tx.nodes.announce({ id: 'b', startedAt: new Date('2026-03-01T09:00:00.000Z'), version: '1', pid: 2 });
      });
      expect(await store.transaction((tx) => tx.nodes.beat('a', new Date('2026-03-01T09:59:50.000Z')))).toBe(true);
      expect(await store.transaction((tx) => tx.nodes.beat('ghost', new Date('2026-03-01T09:59:50.000Z')))).toBe(false);
      expect((await store.nodes.list()).map((node) => [node.id, node.beatAt])).toEqual([
        ['a', '2026-03-01T09:59:50.000Z'],
        ['b', '2026-03-01T09:00:00.000Z'],
      ]);
    }));

  it.skipIf(skip)('takes a restarted node’s new start, version and pid under its id, in one row', () =>
    withStore(async (store, opened) => {
      await store.transaction((tx) => tx.nodes.announce({ id: 'a', startedAt: new Date('2026-03-01T08:00:00.000Z'), version: '1.0.0', pid: 10 }));
      await store.transaction((tx) => tx.nodes.beat('a', new Date('2026-03-01T08:30:00.000Z')));
      await store.transaction((tx) => tx.nodes.announce({ id: 'a', startedAt: new Date('2026-03-01T09:00:00.000Z'), version: '1.1.0', pid: 11 }));
      expect(await store.nodes.list()).toEqual([{ id: 'a', startedAt: '2026-03-01T09:00:00.000Z', beatAt: '2026-03-01T09:00:00.000Z', version: '1.1.0', pid: 11 }]);
      expect(await opened.rows('SELECT count(*) AS n FROM nodes')).toEqual([{ n: 1 }]);
    }));

  it.skipIf(skip)('writes nothing from a transaction that rolls back', () =>
    withStore(async (store) => {
      await expect(
        store.transaction(async (tx) => {
          await tx.nodes.announce({ id: 'a', startedAt: now(), version: '1', pid: 1 });
          throw new Error('undone');
        }),
      ).rejects.toThrow('undone');
      expect(await store.nodes.list()).toEqual([]);
    }));
});

describe('a node alive', () => {
  it('is one that beat within three beats of now, so one late beat is no death', () => {
    expect(NODE_ALIVE_MS).toBe(3 * NODE_BEAT_MS);
    const at = new Date('2026-03-01T10:00:00.000Z');
    const beat = (ms: number) => ({ beatAt: new Date(at.getTime() - ms).toISOString() });
    expect(nodeAlive(beat(0), at)).toBe(true);
    expect(nodeAlive(beat(NODE_BEAT_MS * 2), at)).toBe(true);
    expect(nodeAlive(beat(NODE_ALIVE_MS), at)).toBe(true);
    expect(nodeAlive(beat(NODE_ALIVE_MS + 1), at)).toBe(false);
  });
});
