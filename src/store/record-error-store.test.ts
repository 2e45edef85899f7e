/** Record errors: one contract on SQLite and, where a server can be started, on PostgreSQL. */
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { havePostgres, startPostgres, type PostgresServer } from '../../test/support/postgres.js';
import type { RecordError } from '../core/record-error.js';
import { migrate } from './migrate.js';
import { openPostgres } from './postgres/database.js';
import { PostgresRecordErrorStore } from './postgres/record-errors.js';
import { SqliteRecordErrorStore, type RecordErrorStoreAsync } from './record-error-store.js';

const OLD = '2026-01-01T00:00:00.000Z';
const RECENT = '2026-03-01T00:00:00.000Z';
const SETUP = [
  `INSERT INTO partners (id, client_id, created_at, updated_at) VALUES ('acme', 'acme', '${OLD}', '${OLD}')`,
  `INSERT INTO files (id, partner_id, name, sha256, size, state, received_at, state_changed_at, processed_at)
     VALUES (1, 'acme', 'old.json', 'a', 1, 'processed', '${OLD}', '${OLD}', '${OLD}'),
            (2, 'acme', 'new.json', 'b', 1, 'processed', '${RECENT}', '${RECENT}', '${RECENT}')`,
  `INSERT INTO crowdtwist_failed_requests (file_id, position, request) VALUES (1, 0, '{}'), (2, 0, '{}')`,
];

const noPostgres = !havePostgres('record error store');
let server: PostgresServer | undefined;
let databases = 0;
beforeAll(async () => {
  if (!noPostgres) server = await startPostgres();
});
afterAll(() => server?.stop());

interface Opened {
  store: RecordErrorStoreAsync;
  failedRequests(): Promise<number[]>;
  close(): Promise<void>;
}

const engines: [string, boolean, () => Promise<Opened>][] = [
  [
    'SQLite',
    false,
    async () => {
      const db = new Database(':memory:');
      migrate(db);
      for (const sql of SETUP) db.exec(sql);
      return {
        store: new SqliteRecordErrorStore(db),
        async failedRequests() {
          return db.prepare('SELECT file_id FROM crowdtwist_failed_requests ORDER BY file_id').pluck().all() as number[];
        },
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
      const pool = await openPostgres(await server!.createDatabase(`record_errors_${++databases}`), { max: 2 });
      for (const sql of SETUP) await pool.query(sql);
      return {
        store: new PostgresRecordErrorStore(pool),
        async failedRequests() {
          return (await pool.query<{ file_id: number }>('SELECT file_id FROM crowdtwist_failed_requests ORDER BY file_id')).rows.map((row) => row.file_id);
        },
        async close() {
          await pool.end();
        },
      };
    },
  ],
];

const error = (position: number, extra: Partial<RecordError> = {}): RecordError => ({ position, code: 'bad_amount', message: `line ${position}: amount is not a number`, ...extra });

describe.each(engines)('record errors on %s', (_engine, skip, open) => {
  it.skipIf(skip)("keep only a file's last run, in order, values cut, with what could not be stored", async () => {
    const { store, close } = await open();
    try {
      await store.replace(1, [error(9)], 0);
      const many = Array.from({ length: 2500 }, (_, i) => error(i + 2, i === 0 ? { key: 'R1', field: 'amount', value: 'x'.repeat(500) } : {}));
      await store.replace(1, many, 7);
      expect(await store.count(1)).toBe(2500);
      expect(await store.notStored(1)).toBe(7);
      expect(await store.notStored(99)).toBe(0);
      const listed = await store.list(1);
      expect(listed.map((e) => e.position)).toEqual(many.map((e) => e.position));
      expect(listed[0]).toMatchObject({ position: 2, key: 'R1', field: 'amount', code: 'bad_amount', message: 'line 2: amount is not a number' });
      expect(listed[0]!.value!.length).toBeLessThan(500);
      expect(listed[1]).toEqual({ position: 3, key: undefined, field: undefined, code: 'bad_amount', message: 'line 3: amount is not a number', value: undefined });
      expect((await store.list(1, 2)).length).toBe(2);
      expect(await store.count(2)).toBe(0);
    } finally {
      await close();
    }
  });

  it.skipIf(skip)('keep a NUL byte of the partner as ␀, which PostgreSQL text can hold', async () => {
    const { store, close } = await open();
    try {
      await store.replace(1, [error(8, { key: 'R\u00001', value: 'Tic\u0000ket', message: 'line 8: "Tic\u0000ket"' })], 0);
      expect(await store.list(1)).toEqual([
        { position: 8, key: 'R\u24001', field: undefined, code: 'bad_amount', message: 'line 8: "Tic\u2400ket"', value: 'Tic\u2400ket' },
      ]);
    } finally {
      await close();
    }
  });

  it.skipIf(skip)('forget the errors and failed requests of files processed before the cutoff, and only those', async () => {
    const { store, failedRequests, close } = await open();
    try {
      await store.replace(1, [error(1), error(2)], 0);
      await store.replace(2, [error(1)], 0);
      expect(await store.forgetFilesProcessedBefore(new Date('2026-02-01T00:00:00.000Z'))).toBe(2);
      expect([await store.count(1), await store.count(2)]).toEqual([0, 1]);
      expect(await failedRequests()).toEqual([2]);
    } finally {
      await close();
    }
  });
});
