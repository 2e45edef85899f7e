/**
 * One contract, two engines: every case runs on SQLite and, where a server can be started, on a
 * throwaway PostgreSQL, through the same `LedgerStore` calls.
 */
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { havePostgres, startPostgres, type PostgresServer } from '../../test/support/postgres.js';
import { migrate } from './migrate.js';
import type { FileRecord } from './files.js';
import { SqliteLedgerStore, type LedgerStore } from './ledger-store.js';
import { openPostgres, type PgPool } from './postgres/database.js';
import { PostgresLedgerStore } from './postgres/ledger.js';

interface Opened {
  store: LedgerStore;
  /** Plain SQL both engines take alike, for what the ledger does not write itself. */
  exec(sql: string): Promise<void>;
  /** The states the move observer heard, in order. */
  heard: string[];
  close(): Promise<void>;
}

/** A clock that moves on a second at each reading, so every time in a row is distinct. */
function steppingClock(): () => Date {
  let at = Date.parse('2026-03-01T10:00:00.000Z');
  return () => new Date((at += 1000));
}

const AT = '2026-01-01T00:00:00.000Z';
const SETUP = `INSERT INTO partners (id, client_id, created_at, updated_at) VALUES ('acme', 'acme', '${AT}', '${AT}'), ('zeta', 'zeta', '${AT}', '${AT}')`;

function sqlite(): Opened {
  const db = new Database(':memory:');
  db.pragma('foreign_keys = ON');
  migrate(db);
  db.exec(SETUP);
  const heard: string[] = [];
  return {
    store: SqliteLedgerStore.open(db, steppingClock(), (file) => heard.push(`${file.id}:${file.state}`)),
    async exec(sql) {
      db.exec(sql);
    },
    heard,
    async close() {
      db.close();
    },
  };
}

let server: PostgresServer | undefined;
let databases = 0;

async function postgres(): Promise<Opened> {
  if (!server) throw new Error('no PostgreSQL server');
  const pool: PgPool = await openPostgres(await server.createDatabase(`ledger_${++databases}`), { max: 4 });
  await pool.query(SETUP);
  const heard: string[] = [];
  return {
    store: new PostgresLedgerStore(pool, steppingClock(), (file) => void heard.push(`${file.id}:${file.state}`)),
    async exec(sql) {
      await pool.query(sql);
    },
    heard,
    async close() {
      await pool.end();
    },
  };
}

const engines: [string, () => Promise<Opened> | Opened, boolean][] = [
  ['SQLite', sqlite, false],
  ['PostgreSQL', postgres, !havePostgres('ledger store')],
];

beforeAll(async () => {
  if (!engines[1]![2]) server = await startPostgres();
});
afterAll(() => server?.stop());

const upload = (name: string, sha256 = 'aa') => ({ partner: 'acme', name, sha256, size: 10 });

describe.each(engines)('the file ledger on %s', (_engine, open, skip) => {
  async function withLedger(work: (opened: Opened) => Promise<void>): Promise<void> {
    const opened = await open();
    try {
      await work(opened);
    } finally {
      await opened.close();
    }
  }

  it.skipIf(skip)('records an arrival as received with its history, above the id floor, and reads it back every way', () =>
    withLedger(async ({ store, exec }) => {
      const first = await store.insert(upload('a.csv'), 'uploaded over sftp');
      expect(first).toMatchObject({ id: 1, partner: 'acme', name: 'a.csv', sha256: 'aa', size: 10, state: 'received', counts: null, via: null, leftInboxAt: null });
      expect(first.receivedAt).toBe(first.stateChangedAt);
      await exec('INSERT INTO file_id_floor (id, file_id) VALUES (1, 40)');
      const second = await store.insert({ ...upload('b.json', 'bb'), via: 'http', senderOptions: { apply_ratio: true } });
      expect([second.id, second.via, second.senderOptions, first.senderOptions]).toEqual([41, 'http', { apply_ratio: true }, null]);
      expect(await store.get(41)).toEqual(second);
      expect(await store.get(99)).toBeUndefined();
      expect(await store.find('acme', 'a.csv', 'aa')).toEqual(first);
      expect(await store.find('acme', 'a.csv', 'other')).toBeUndefined();
      expect(await store.events(1)).toEqual([{ at: first.receivedAt, state: 'received', detail: 'uploaded over sftp' }]);
    }));

  it.skipIf(skip)('moves a file along the state machine with what each state says, refuses any other move, and tells the observer of each', () =>
    withLedger(async ({ store, heard }) => {
      const file = await store.insert(upload('a.csv'));
      await store.move(file.id, 'queued', { format: 'pbj-offline-sales', fields: { channel: 'direct-mail' } as never });
      const processing = await store.move(file.id, 'processing');
      expect(processing.processingStartedAt).toBe(processing.stateChangedAt);
      const done = await store.move(file.id, 'processed', {
        counts: { total: 5, accepted: 3, failed: 1, duplicates: 1 },
        archivePath: 'archive/acme/2026-03-01/1-a.csv',
        notes: { warnings: ['column x is not known'] },
        detail: 'stored 3 of 5',
      });
      expect(done).toMatchObject({
        state: 'processed',
        format: 'pbj-offline-sales',
        fields: { channel: 'direct-mail' },
        counts: { total: 5, accepted: 3, failed: 1, duplicates: 1 },
        archivePath: 'archive/acme/2026-03-01/1-a.csv',
        notes: { warnings: ['column x is not known'] },
        processedAt: done.stateChangedAt,
        leftInboxAt: null,
      });
      await expect(store.move(file.id, 'held')).rejects.toThrow(`file ${file.id} cannot go from processed to held`);
      await expect(store.move(77, 'queued')).rejects.toThrow('file 77 does not exist');
      expect((await store.events(file.id)).map((event) => [event.state, event.detail])).toEqual([
        ['received', null],
        ['queued', null],
        ['processing', null],
        ['processed', 'stored 3 of 5'],
      ]);
      expect(heard).toEqual(['1:queued', '1:processing', '1:processed']);
      expect(await store.get(file.id)).toEqual(done);
    }));

  it.skipIf(skip)('back at work, a file keeps only the notes of its arrival and is in the inbox again', () =>
    withLedger(async ({ store }) => {
      const file = await store.insert(upload('a.csv'));
      const replaced = [{ id: 9, sha256: 'old', received_at: AT }];
      await store.move(file.id, 'queued', { notes: { replaced } });
      await store.move(file.id, 'processing');
      await store.move(file.id, 'processed', { notes: { replaced, warnings: ['w'] }, leftInbox: true });
      expect((await store.get(file.id))?.leftInboxAt).not.toBeNull();
      await store.move(file.id, 'queued');
      const again = await store.move(file.id, 'processing');
      expect([again.notes, again.leftInboxAt]).toEqual([{ replaced }, null]);
    }));

  it.skipIf(skip)('keeps one row of an identity in the inbox: it is the one found, and the same bytes arrive again only once it has left', () =>
    withLedger(async ({ store }) => {
      const first = await store.insert(upload('a.csv'));
      await expect(store.insert(upload('a.csv'))).rejects.toThrow(/UNIQUE|files_in_inbox/);
      await store.move(first.id, 'rejected', { reasonCode: 'bad_name', reason: 'not a name of any format' });
      expect((await store.finalInInbox()).map((file) => file.id)).toEqual([first.id]);
      const before = (await store.get(first.id))!.stateChangedAt;
      await store.markLeftInbox(first.id, '2000-01-01T00:00:00.000Z');
      expect((await store.get(first.id))?.leftInboxAt).toBeNull();
      await store.markLeftInbox(first.id, before);
      expect(await store.finalInInbox()).toEqual([]);
      const second = await store.insert(upload('a.csv'));
      // ids only grow: on PostgreSQL the refused insert above used one up, as a sequence does
      expect(second.id).toBeGreaterThan(first.id);
      expect((await store.find('acme', 'a.csv', 'aa'))?.id).toBe(second.id);
      expect((await store.inInbox('acme', 'a.csv')).map((file) => file.id)).toEqual([second.id]);
      await store.markLeftInbox(second.id);
      expect((await store.get(second.id))?.leftInboxAt).toBeNull();
    }));

  it.skipIf(skip)('lists by partner, state and name, newest first, and counts and names files by state', () =>
    withLedger(async ({ store }) => {
      const ids: number[] = [];
      for (const [partner, name] of [['acme', 'a.csv'], ['acme', 'b.csv'], ['zeta', 'a.csv'], ['zeta', 'c.csv']] as const) {
        ids.push((await store.insert({ partner, name, sha256: 'aa', size: 1 })).id);
      }
      await store.move(ids[1]!, 'queued');
      await store.move(ids[3]!, 'held');
      const idsOf = (files: FileRecord[]) => files.map((file) => file.id);
      expect(idsOf(await store.list())).toEqual([...ids].reverse());
      expect(idsOf(await store.list({ partner: 'acme' }))).toEqual([ids[1], ids[0]]);
      expect(idsOf(await store.list({ name: 'a.csv', limit: 1 }))).toEqual([ids[2]]);
      expect(idsOf(await store.list({ partner: 'zeta', state: 'held' }))).toEqual([ids[3]]);
      expect(idsOf(await store.inStates(['queued', 'held']))).toEqual([ids[1], ids[3]]);
      expect(await store.countByState()).toEqual({ received: 2, queued: 1, held: 1 });
      const names = await store.namesInStates(['queued', 'held']);
      expect(names.sort((a, b) => a.partner.localeCompare(b.partner))).toEqual([
        { partner: 'acme', name: 'b.csv' },
        { partner: 'zeta', name: 'c.csv' },
      ]);
    }));
});

describe.skipIf(engines[1]![2])('the file ledger on PostgreSQL, inside a transaction', () => {
  it("moves within the caller's transaction when given its client, so a rollback undoes the state, its history and what the observer wrote", async () => {
    const pool = await openPostgres(await server!.createDatabase(`ledger_${++databases}`), { max: 2 });
    try {
      await pool.query(SETUP);
      const file = await new PostgresLedgerStore(pool, steppingClock()).insert(upload('a.csv'));
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const inside = new PostgresLedgerStore(client, steppingClock(), async (moved, tx) => {
          await tx.query("INSERT INTO heartbeat (id, at, pid) VALUES (1, $1, 0)", [moved.stateChangedAt]);
        });
        expect((await inside.move(file.id, 'queued')).state).toBe('queued');
        const outside = new PostgresLedgerStore(pool, steppingClock());
        expect((await outside.get(file.id))?.state).toBe('received');
        await client.query('ROLLBACK');
        expect((await outside.get(file.id))?.state).toBe('received');
        expect((await outside.events(file.id)).map((event) => event.state)).toEqual(['received']);
        expect((await pool.query('SELECT count(*)::int AS n FROM heartbeat')).rows).toEqual([{ n: 0 }]);
      } finally {
        client.release();
      }
    } finally {
      await pool.end();
    }
  });
});
