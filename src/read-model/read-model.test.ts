/**
 * One read model, two engines: every case fills a ledger through the store's seams on SQLite
 * (read back on a read-only connection, as the daemon reads) and, where a server can be started,
 * on a throwaway PostgreSQL, and asks the same `ReadModel` questions of both. The last case fills
 * both with the same rows and compares every answer between them.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { havePostgres, startPostgres, type PostgresServer } from '../../test/support/postgres.js';
import { openDatabase } from '../store/database.js';
import type { FileRecord } from '../store/files.js';
import { SqliteLedgerStore, type LedgerStore } from '../store/ledger-store.js';
import { PartnerLoginStore } from '../store/partner-logins.js';
import { openPostgres } from '../store/postgres/database.js';
import { PostgresLedgerStore } from '../store/postgres/ledger.js';
import { PostgresRecordErrorStore } from '../store/postgres/record-errors.js';
import { SqliteRecordErrorStore, type RecordErrorStoreAsync } from '../store/record-error-store.js';
import { PostgresReadModel } from './postgres-read-model.js';
import type { ReadModel } from './read-model.js';
import { SqliteReadModel } from './sqlite-read-model.js';

/** A ledger on one engine: written through the store's seams, read through the read model. */
interface Opened {
  read: ReadModel;
  ledger: LedgerStore;
  recordErrors: RecordErrorStoreAsync;
  /** Plain SQL both engines take alike, for tables outside these seams (partners, sequences). */
  exec(sql: string): Promise<void>;
  close(): Promise<void>;
}

/** The clock of every write and read; each case sets it before a row is written. */
let clock = new Date('2026-06-30T08:00:00Z');
const now = () => clock;

const AT = '2026-01-01T00:00:00.000Z';
const PARTNERS = `
INSERT INTO partners (id, client_id, channels, formats, password_hash, api_key_hash, options, created_at, updated_at) VALUES
  ('acme', '12', '["direct-mail"]', '["crowdtwist-pos"]', NULL, NULL, '{"timezone":"UTC"}', '${AT}', '${AT}'),
  ('beta', '13', '[]', '[]', 'scrypt$y', 'scrypt$x', '{}', '${AT}', '${AT}'),
  ('Zed', '14', '[]', '[]', NULL, NULL, '{}', '${AT}', '${AT}');
INSERT INTO partner_keys (partner_id, algo, public_key, comment, fingerprint, added_at) VALUES
  ('acme', 'ssh-ed25519', 'AAAAC3NzaC1lZDI1NTE5AAAAIA', 'laptop', 'SHA256:one', '${AT}'),
  ('acme', 'ssh-ed25519', 'AAAAC3NzaC1lZDI1NTE5AAAAIB', 'server', 'SHA256:two', '${AT}')`;

async function sqlite(): Promise<Opened> {
  const dir = await mkdtemp(path.join(tmpdir(), 'posdrop-read-'));
  const db = openDatabase(path.join(dir, 'posdrop.db'));
  // As the daemon reads: its own read-only connection.
  const readDb = new Database(path.join(dir, 'posdrop.db'), { readonly: true, fileMustExist: true });
  db.exec(PARTNERS);
  return {
    read: new SqliteReadModel(readDb, now),
    ledger: SqliteLedgerStore.open(db, now),
    recordErrors: new SqliteRecordErrorStore(db),
    async exec(sql) {
      db.exec(sql);
    },
    async close() {
      readDb.close();
      db.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

let server: PostgresServer | undefined;
let databases = 0;

async function postgres(): Promise<Opened> {
  if (!server) throw new Error('no PostgreSQL server');
  return postgresOn(await server.createDatabase(`read_model_${++databases}`));
}

/**
 * A database whose text sorts as people read it (ICU's en-US: 'acme' before 'Zed'), as a
 * production server's often does, unlike the test server's C locale: what the read model orders
 * must not depend on it.
 */
async function postgresReadingOrder(): Promise<Opened> {
  if (!server) throw new Error('no PostgreSQL server');
  const name = `read_model_${++databases}`;
  const admin = new pg.Client({ connectionString: server.url() });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name} TEMPLATE template0 LOCALE_PROVIDER icu ICU_LOCALE 'en-US' LOCALE 'C.UTF-8'`);
  } finally {
    await admin.end();
  }
  return postgresOn(server.url(name));
}

async function postgresOn(url: string): Promise<Opened> {
  const pool = await openPostgres(url, { max: 4 });
  await pool.query(PARTNERS);
  return {
    read: new PostgresReadModel(pool, now),
    ledger: new PostgresLedgerStore(pool, now),
    recordErrors: new PostgresRecordErrorStore(pool),
    async exec(sql) {
      await pool.query(sql);
    },
    async close() {
      await pool.end();
    },
  };
}

const engines: [string, () => Promise<Opened>, boolean][] = [
  ['SQLite', sqlite, false],
  ['PostgreSQL', postgres, !havePostgres('read model')],
];

beforeAll(async () => {
  if (!engines[1]![2]) server = await startPostgres();
});
afterAll(() => server?.stop());

async function withLedger(open: () => Promise<Opened>, work: (opened: Opened) => Promise<void>): Promise<void> {
  const opened = await open();
  try {
    await work(opened);
  } finally {
    await opened.close();
  }
}

type End = 'processed' | 'rejected' | 'held' | 'queued' | 'failed';

/** A file of `partner` received at `at`, moved on to `end`; a processed one with `accepted` of its records. */
async function add(ledger: LedgerStore, partner: string, name: string, at: string, end: End = 'processed', accepted = 1): Promise<FileRecord> {
  clock = new Date(at);
  const file = await ledger.insert({ partner, name, sha256: `${partner}${name}`.padEnd(64, '0'), size: 1 });
  if (end === 'held') return ledger.move(file.id, 'held');
  if (end === 'rejected') return ledger.move(file.id, 'rejected', { reasonCode: 'name_invalid', reason: 'no format takes this name' });
  await ledger.move(file.id, 'queued');
  if (end === 'queued') return ledger.get(file.id) as Promise<FileRecord>;
  clock = new Date(Date.parse(at) + 60_000);
  await ledger.move(file.id, 'processing');
  if (end === 'failed') return ledger.move(file.id, 'failed', { reasonCode: 'internal', reason: 'disk full' });
  return ledger.move(file.id, 'processed', { format: 'crowdtwist-pos', counts: { total: accepted + 1, accepted, failed: 1, duplicates: 0 } });
}

/** A CrowdTwist batch of acme's sequence of `day`, held or processed. */
async function batch(ledger: LedgerStore, day: string, counter: number, at: string, end: 'held' | 'processed'): Promise<FileRecord> {
  clock = new Date(at);
  const name = `${day.replace(/-/g, '')}_${String(counter).padStart(4, '0')}_12_pos_store.json`;
  const file = await ledger.insert({ partner: 'acme', name, sha256: name.padEnd(64, '0'), size: 1 });
  const fields = { date: day, counter, client_id: '12', any: 'store', ext: 'json' };
  await ledger.move(file.id, 'queued', { format: 'crowdtwist-pos', fields });
  if (end === 'held') return ledger.move(file.id, 'held', { detail: 'waiting' });
  await ledger.move(file.id, 'processing');
  return ledger.move(file.id, 'processed', { counts: { total: 1, accepted: 1, failed: 0, duplicates: 0 } });
}

/** Sequences of acme: 2026-06-28 processed through 1 with 0003 held, a skip on 2026-06-27. */
async function sequences(opened: Opened): Promise<void> {
  await batch(opened.ledger, '2026-06-28', 1, '2026-06-28T09:00:00Z', 'processed');
  await batch(opened.ledger, '2026-06-28', 3, '2026-06-28T11:00:00Z', 'held');
  await batch(opened.ledger, '2026-06-28', 4, '2026-06-28T10:00:00Z', 'held');
  await batch(opened.ledger, '2026-06-29', 2, '2026-06-29T09:30:00Z', 'held');
  await opened.exec(`
    INSERT INTO sequences (partner_id, format, day, last_processed, updated_at) VALUES
      ('acme', 'crowdtwist-pos', '2026-06-28', 1, '${AT}'), ('acme', 'crowdtwist-pos', '2026-06-27', 5, '${AT}');
    INSERT INTO sequence_skips (partner_id, format, day, from_counter, through_counter, reason, released_by, released_at) VALUES
      ('acme', 'crowdtwist-pos', '2026-06-27', 2, 3, 'lost at the store', 'ops', '${AT}')`);
}

describe.each(engines)('the read model on %s', (_engine, open, skip) => {
  it.skipIf(skip)('lists files newest first in keyset pages, filtered by partner, format, state, days and part of the name', () =>
    withLedger(open, async ({ ledger, read }) => {
      for (let i = 1; i <= 7; i += 1) await add(ledger, i % 2 ? 'acme' : 'beta', `File_${i}.json`, `2026-06-2${i}T10:00:00Z`, i === 7 ? 'rejected' : 'processed');
      // Two arrivals in the same millisecond: the id decides, in both directions of the keyset.
      await add(ledger, 'acme', 'twin-a.json', '2026-06-22T10:00:00Z', 'queued');
      await add(ledger, 'acme', 'twin-b.json', '2026-06-22T10:00:00Z', 'queued');
      const first = await read.listFiles({}, { limit: 3 });
      expect(first.rows.map((f) => f.name)).toEqual(['File_7.json', 'File_6.json', 'File_5.json']);
      const second = await read.listFiles({}, { before: first.next ?? undefined, limit: 3 });
      expect(second.rows.map((f) => f.name)).toEqual(['File_4.json', 'File_3.json', 'twin-b.json']);
      const third = await read.listFiles({}, { before: second.next ?? undefined, limit: 3 });
      expect(third.rows.map((f) => f.name)).toEqual(['twin-a.json', 'File_2.json', 'File_1.json']);
      expect(third.next).toBeNull();
      expect(await read.listFiles({}, { before: third.rows[2]!.id, limit: 3 })).toEqual({ rows: [], next: null });

      const names = async (filter: Parameters<ReadModel['listFiles']>[0]) => (await read.listFiles(filter, { limit: 50 })).rows.map((f) => f.name);
      expect(await names({ partner: 'beta' })).toEqual(['File_6.json', 'File_4.json', 'File_2.json']);
      expect(await names({ state: 'rejected' })).toEqual(['File_7.json']);
      expect(await names({ from: '2026-06-23', to: '2026-06-24' })).toEqual(['File_4.json', 'File_3.json']);
      expect(await names({ name: 'file_5' })).toEqual(['File_5.json']);
      expect(await names({ format: 'crowdtwist-pos', partner: 'acme', name: '.JSON' })).toEqual(['File_5.json', 'File_3.json', 'File_1.json']);
      const page = await read.listFiles({ partner: 'acme', from: '2026-06-21' }, { limit: 2 });
      expect(page.rows.map((f) => f.name)).toEqual(['File_7.json', 'File_5.json']);
      const rest = await read.listFiles({ partner: 'acme', from: '2026-06-21' }, { before: page.next ?? undefined, limit: 2 });
      expect(rest.rows.map((f) => f.name)).toEqual(['File_3.json', 'twin-b.json']);
      const end = await read.listFiles({ partner: 'acme', from: '2026-06-21' }, { before: rest.next ?? undefined, limit: 2 });
      expect(end).toMatchObject({ rows: [{ name: 'twin-a.json' }, { name: 'File_1.json' }], next: null });
      expect(await names({ name: 'nothing' })).toEqual([]);
    }));

  it.skipIf(skip)('finds a file by id or name, refuses a name two partners sent and an id of another partner, and gives its history', () =>
    withLedger(open, async ({ ledger, read }) => {
      const one = await add(ledger, 'acme', 'same.json', '2026-06-29T10:00:00Z');
      await add(ledger, 'beta', 'same.json', '2026-06-29T11:00:00Z');
      expect((await read.findFile(String(one.id))).partner).toBe('acme');
      expect(await read.file(one.id)).toEqual(one);
      expect(await read.file(999)).toBeUndefined();
      expect((await read.findFile('same.json', 'acme')).id).toBe(one.id);
      await expect(read.findFile('same.json')).rejects.toThrow(/partners beta, acme each sent a file named same.json/);
      await expect(read.findFile(String(one.id), 'beta')).rejects.toThrow(`file ${one.id} is acme's, not beta's`);
      await expect(read.findFile('nothing.json')).rejects.toThrow(/no file "nothing.json"/);
      expect((await read.history(one.id)).map((event) => [event.at, event.state])).toEqual([
        ['2026-06-29T10:00:00.000Z', 'received'],
        ['2026-06-29T10:00:00.000Z', 'queued'],
        ['2026-06-29T10:01:00.000Z', 'processing'],
        ['2026-06-29T10:01:00.000Z', 'processed'],
      ]);
    }));

  it.skipIf(skip)('pages record errors in file order, of one code, and counts them by code', () =>
    withLedger(open, async ({ ledger, recordErrors, read }) => {
      const file = await add(ledger, 'acme', 'errors.json', '2026-06-29T10:00:00Z');
      const errors = Array.from({ length: 25 }, (_, i) => ({
        position: 24 - i,
        code: i % 5 === 0 ? 'unknown_sku' : i % 7 === 0 ? 'Bad_total' : 'missing_field',
        message: `m${24 - i}`,
        value: `<v${24 - i}>`,
        ...(i === 3 ? { key: 'r-21', field: 'sku' } : {}),
      }));
      await recordErrors.replace(file.id, errors, 3);
      const page = await read.recordErrors(file.id, { limit: 10 });
      expect(page.rows.map((e) => e.position)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
      const next = await read.recordErrors(file.id, { after: page.next ?? undefined, limit: 10 });
      expect(next.rows.map((e) => e.position)).toEqual([10, 11, 12, 13, 14, 15, 16, 17, 18, 19]);
      expect(next.rows[0]).toMatchObject({ position: 10, code: 'Bad_total', value: '<v10>' });
      expect(next.rows.find((e) => e.position === 14)).toMatchObject({ code: 'unknown_sku', message: 'm14' });
      expect(next.rows.find((e) => e.position === 21)).toBeUndefined();
      const last = await read.recordErrors(file.id, { after: next.next ?? undefined, limit: 10 });
      expect(last.rows.find((e) => e.position === 21)).toMatchObject({ key: 'r-21', field: 'sku', code: 'missing_field' });
      expect([last.rows.length, last.next]).toEqual([5, null]);
      const sku = await read.recordErrors(file.id, { code: 'unknown_sku', limit: 3 });
      expect(sku.rows.map((e) => e.position)).toEqual([4, 9, 14]);
      const rest = await read.recordErrors(file.id, { code: 'unknown_sku', after: sku.next ?? undefined, limit: 3 });
      expect(rest).toMatchObject({ rows: [{ position: 19 }, { position: 24 }], next: null });
      expect(await read.errorCodes(file.id)).toEqual([
        { code: 'missing_field', n: 17 },
        { code: 'unknown_sku', n: 5 },
        { code: 'Bad_total', n: 3 },
      ]);
      expect(await read.errorsNotStored(file.id)).toBe(3);
      expect(await read.errorsNotStored(999)).toBe(0);
      expect(await read.recordErrors(999, { limit: 5 })).toEqual({ rows: [], next: null });
    }));

  it.skipIf(skip)("gives a file's failed requests as sent, in order, of the indexes asked for only", () =>
    withLedger(open, async ({ ledger, read, exec }) => {
      const file = await add(ledger, 'acme', 'batch.json', '2026-06-29T10:00:00Z');
      const other = await add(ledger, 'acme', 'other.json', '2026-06-29T11:00:00Z');
      await exec(`
        INSERT INTO crowdtwist_failed_requests (file_id, position, receipt_id, type, request) VALUES
          (${file.id}, 7, 'r-7', 'purchase', '{ "receipt_id": "r-7",\n  "type": "purchase" }'),
          (${file.id}, 2, NULL, NULL, '[1, 2]'),
          (${file.id}, 12, 'r-12', 'refund', '{}'),
          (${other.id}, 3, 'x', 'purchase', '{}')`);
      expect(await read.failedRequests(file.id, 2, 7)).toEqual([
        { index: 2, receiptId: null, type: null, request: '[1, 2]' },
        { index: 7, receiptId: 'r-7', type: 'purchase', request: '{ "receipt_id": "r-7",\n  "type": "purchase" }' },
      ]);
      expect((await read.failedRequests(file.id, 0, 100)).map((request) => request.index)).toEqual([2, 7, 12]);
      expect(await read.failedRequests(other.id, 4, 100)).toEqual([]);
    }));

  it.skipIf(skip)('counts records per partner per day, files by state, holds, unfinished files and rejections', () =>
    withLedger(open, async ({ ledger, read }) => {
      await add(ledger, 'acme', 'a.json', '2026-06-10T10:00:00Z', 'processed', 99); // outside the 14 days
      await add(ledger, 'acme', 'b.json', '2026-06-29T10:00:00Z', 'processed', 5);
      await add(ledger, 'acme', 'c.json', '2026-06-29T12:00:00Z', 'processed', 7);
      await add(ledger, 'beta', 'd.json', '2026-06-30T07:00:00Z', 'processed', 2);
      await add(ledger, 'beta', 'e.json', '2026-06-30T07:30:00Z', 'held');
      await add(ledger, 'beta', 'f.json', '2026-06-30T07:40:00Z', 'rejected');
      await add(ledger, 'Zed', 'g.json', '2026-06-30T07:45:00Z', 'queued');
      await add(ledger, 'Zed', 'h.json', '2026-06-30T07:50:00Z', 'failed');
      clock = new Date('2026-06-30T08:00:00Z');
      expect(await read.dailyRecords(14)).toEqual([
        { day: '2026-06-29', partner: 'acme', accepted: 12, failed: 2, duplicates: 0 },
        { day: '2026-06-30', partner: 'beta', accepted: 2, failed: 1, duplicates: 0 },
      ]);
      expect(await read.dailyRecords(1)).toEqual([{ day: '2026-06-30', partner: 'beta', accepted: 2, failed: 1, duplicates: 0 }]);
      expect(await read.dailyRecords(14, 'beta')).toHaveLength(1);
      expect(await read.statesSince(new Date('2026-06-29T08:00:00Z'))).toEqual([
        { partner: 'Zed', state: 'failed', n: 1 },
        { partner: 'Zed', state: 'queued', n: 1 },
        { partner: 'acme', state: 'processed', n: 2 },
        { partner: 'beta', state: 'held', n: 1 },
        { partner: 'beta', state: 'processed', n: 1 },
        { partner: 'beta', state: 'rejected', n: 1 },
      ]);
      expect(await read.statesSince(new Date('2026-06-29T08:00:00Z'), 'acme')).toEqual([{ partner: 'acme', state: 'processed', n: 2 }]);
      expect(await read.holdsByPartner()).toEqual([{ partner: 'beta', n: 1, oldest: '2026-06-30T07:30:00.000Z' }]);
      const byKey = <R extends { partner: string; format: string; state: string }>(rows: R[]) => [...rows].sort((a, b) => `${a.partner} ${a.format} ${a.state}`.localeCompare(`${b.partner} ${b.format} ${b.state}`));
      expect(byKey(await read.fileCounts())).toEqual(
        byKey([
          { partner: 'acme', format: 'crowdtwist-pos', state: 'processed', n: 3 },
          { partner: 'beta', format: 'crowdtwist-pos', state: 'processed', n: 1 },
          { partner: 'beta', format: 'none', state: 'held', n: 1 },
          { partner: 'beta', format: 'none', state: 'rejected', n: 1 },
          { partner: 'Zed', format: 'none', state: 'queued', n: 1 },
          { partner: 'Zed', format: 'none', state: 'failed', n: 1 },
        ]),
      );
      expect((await read.unfinishedNames()).sort((a, b) => a.name.localeCompare(b.name))).toEqual([
        { partner: 'beta', name: 'e.json' },
        { partner: 'Zed', name: 'g.json' },
      ]);
      expect((await read.recentRejections(5)).map((f) => [f.name, f.reasonCode])).toEqual([['f.json', 'name_invalid']]);
      expect(await read.recentRejections(0)).toEqual([]);
    }));

  it.skipIf(skip)("gives each partner its keys, whether it has secrets, its last logins, last upload and file count, never a secret's hash", () =>
    withLedger(open, async ({ ledger, read, exec }) => {
      await add(ledger, 'acme', 'a.json', '2026-06-29T10:00:00Z');
      await add(ledger, 'acme', 'b.json', '2026-06-29T12:00:00Z', 'rejected');
      await add(ledger, 'beta', 'c.json', '2026-06-30T07:40:00Z', 'held');
      await exec(`INSERT INTO partner_logins (partner_id, via, at, address) VALUES
        ('acme', 'sftp', '2026-06-30T07:00:00.000Z', '10.0.0.1'), ('acme', 'api', '2026-06-30T07:30:00.000Z', '10.0.0.2')`);
      const partners = await read.partners();
      expect(partners.map((p) => [p.id, p.files, p.lastUploadAt, p.hasPassword, p.hasApiKey])).toEqual([
        ['Zed', 0, null, false, false],
        ['acme', 2, '2026-06-29T12:00:00.000Z', false, false],
        ['beta', 1, '2026-06-30T07:40:00.000Z', true, true],
      ]);
      const acme = partners[1]!;
      expect(acme).toEqual({
        id: 'acme',
        clientId: '12',
        channels: ['direct-mail'],
        formats: ['crowdtwist-pos'],
        enabled: true,
        maxUploadBytes: null,
        options: { timezone: 'UTC' },
        credentialsVersion: 1,
        createdAt: AT,
        updatedAt: AT,
        hasPassword: false,
        hasApiKey: false,
        keys: [
          { id: 1, algo: 'ssh-ed25519', publicKey: 'AAAAC3NzaC1lZDI1NTE5AAAAIA', comment: 'laptop', fingerprint: 'SHA256:one', addedAt: AT },
          { id: 2, algo: 'ssh-ed25519', publicKey: 'AAAAC3NzaC1lZDI1NTE5AAAAIB', comment: 'server', fingerprint: 'SHA256:two', addedAt: AT },
        ],
        lastLogin: { sftp: { at: '2026-06-30T07:00:00.000Z', address: '10.0.0.1' }, api: { at: '2026-06-30T07:30:00.000Z', address: '10.0.0.2' } },
        lastUploadAt: '2026-06-29T12:00:00.000Z',
        files: 2,
      });
      expect([partners[2]?.keys, partners[2]?.lastLogin]).toEqual([[], {}]);
      for (const partner of partners) expect(Object.keys(partner).filter((key) => /hash/i.test(key))).toEqual([]);
      expect(await read.partner('beta')).toEqual(partners[2]);
      expect(await read.partner('nobody')).toBeUndefined();
    }));

  it.skipIf(skip)('sums each partner’s last day and the holds open now, for the daily summary', () =>
    withLedger(open, async ({ ledger, read }) => {
      await add(ledger, 'acme', 'old.json', '2026-06-28T08:00:00Z', 'processed', 100);
      await add(ledger, 'acme', 'a.json', '2026-06-30T07:00:00Z', 'processed', 7);
      await add(ledger, 'acme', 'b.json', '2026-06-30T07:10:00Z', 'processed', 5);
      await add(ledger, 'acme', 'c.json', '2026-06-30T07:20:00Z', 'held');
      await add(ledger, 'acme', 'd.json', '2026-06-30T07:30:00Z', 'rejected');
      await add(ledger, 'beta', 'e.json', '2026-06-30T07:40:00Z', 'failed');
      const since = new Date('2026-06-29T23:55:00Z');
      expect(await read.partnerDays(since)).toEqual([
        {
          partner: 'Zed', since: since.toISOString(), files_received: 0, processed: 0, rejected: 0, failed: 0,
          records: 0, records_accepted: 0, records_failed: 0, records_duplicate: 0, held: 0, oldest_hold_since: null,
        },
        {
          partner: 'acme', since: since.toISOString(), files_received: 4, processed: 2, rejected: 1, failed: 0,
          records: 14, records_accepted: 12, records_failed: 2, records_duplicate: 0, held: 1, oldest_hold_since: '2026-06-30T07:20:00.000Z',
        },
        {
          partner: 'beta', since: since.toISOString(), files_received: 1, processed: 0, rejected: 0, failed: 1,
          records: 0, records_accepted: 0, records_failed: 0, records_duplicate: 0, held: 0, oldest_hold_since: null,
        },
      ]);
    }));

  it.skipIf(skip)('lists the gaps oldest hold first with their held files, and where a file stands in its sequence with its skips', () =>
    withLedger(open, async (opened) => {
      await sequences(opened);
      const { read } = opened;
      const gaps = await read.holds();
      expect(gaps).toEqual([
        {
          partner: 'acme', format: 'crowdtwist-pos', day: '2026-06-28', lastProcessed: 1, expected: 2,
          waitingFor: '20260628_0002_12_pos_*.json', heldSince: '2026-06-28T10:00:00.000Z',
          held: [
            { id: 2, name: '20260628_0003_12_pos_store.json', counter: 3, heldSince: '2026-06-28T11:00:00.000Z' },
            { id: 3, name: '20260628_0004_12_pos_store.json', counter: 4, heldSince: '2026-06-28T10:00:00.000Z' },
          ],
        },
        {
          partner: 'acme', format: 'crowdtwist-pos', day: '2026-06-29', lastProcessed: 0, expected: 1,
          waitingFor: '20260629_0001_12_pos_*.json', heldSince: '2026-06-29T09:30:00.000Z',
          held: [{ id: 4, name: '20260629_0002_12_pos_store.json', counter: 2, heldSince: '2026-06-29T09:30:00.000Z' }],
        },
      ]);
      expect(await read.sequence((await read.file(2))!)).toEqual({ day: '2026-06-28', counter: 3, lastProcessed: 1, waitingFor: '20260628_0002_12_pos_*.json', skips: [] });
      expect(await read.sequence((await read.file(1))!)).toMatchObject({ counter: 1, lastProcessed: 1, waitingFor: null });
      clock = new Date('2026-06-28T09:00:00Z');
      const skipped = await batch(opened.ledger, '2026-06-27', 6, '2026-06-28T12:00:00Z', 'processed');
      expect(await read.sequence(skipped)).toEqual({
        day: '2026-06-27', counter: 6, lastProcessed: 5, waitingFor: null,
        skips: [{ fromCounter: 2, throughCounter: 3, reason: 'lost at the store', releasedBy: 'ops', releasedAt: AT }],
      });
      expect(await read.sequence(await add(opened.ledger, 'beta', 'plain.csv', '2026-06-29T10:00:00Z'))).toBeUndefined();
    }));
});

describe('the read model on SQLite, as the daemon records logins', () => {
  it('gives each partner its last login per way in, never one older than it has', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'posdrop-logins-'));
    const db = openDatabase(path.join(dir, 'posdrop.db'));
    try {
      db.exec(PARTNERS);
      const logins = new PartnerLoginStore(db);
      await logins.record({ partner: 'acme', via: 'sftp', at: '2026-06-30T07:00:00.000Z', address: '10.0.0.1' });
      await logins.record({ partner: 'acme', via: 'api', at: '2026-06-30T07:30:00.000Z', address: '10.0.0.2' });
      await logins.record({ partner: 'acme', via: 'sftp', at: '2026-06-30T06:00:00.000Z', address: '10.0.0.9' });
      expect((await new SqliteReadModel(db, now).partner('acme'))?.lastLogin).toEqual({
        sftp: { at: '2026-06-30T07:00:00.000Z', address: '10.0.0.1' },
        api: { at: '2026-06-30T07:30:00.000Z', address: '10.0.0.2' },
      });
    } finally {
      db.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

/** Every answer of the read model over the ledger `everything` fills, in one value to compare. */
async function answersOf(read: ReadModel): Promise<unknown> {
  const pages = [];
  let before: number | undefined;
  do {
    const page = await read.listFiles({}, { before, limit: 4 });
    pages.push(page);
    before = page.next ?? undefined;
  } while (before !== undefined);
  const filters = [{ partner: 'beta' }, { state: 'processed' as const }, { from: '2026-06-23', to: '2026-06-29' }, { name: 'JSON' }, { format: 'crowdtwist-pos', name: '_pos_' }];
  const unordered = <T>(rows: T[]) => rows.map((row) => JSON.stringify(row)).sort();
  const files = (await read.listFiles({}, { limit: 1000 })).rows;
  return {
    pages,
    filtered: await Promise.all(filters.map((filter) => read.listFiles(filter, { limit: 3 }))),
    histories: await Promise.all(files.map((file) => read.history(file.id))),
    sequences: await Promise.all(files.map((file) => read.sequence(file))),
    found: await read.findFile('File_3.json'),
    errors: await read.recordErrors(1, { limit: 7 }),
    errorsAfter: await read.recordErrors(1, { after: { position: 3, id: 4 }, code: 'missing_field', limit: 7 }),
    codes: await read.errorCodes(1),
    notStored: await read.errorsNotStored(1),
    fileCounts: unordered(await read.fileCounts()),
    holdsByPartner: unordered(await read.holdsByPartner()),
    statesSince: await read.statesSince(new Date('2026-06-25T00:00:00Z')),
    dailyRecords: await read.dailyRecords(14),
    unfinished: unordered(await read.unfinishedNames()),
    rejections: await read.recentRejections(3),
    holds: await read.holds(),
    partners: await read.partners(),
    partnerDays: await read.partnerDays(new Date('2026-06-26T00:00:00Z')),
  };
}

/** One ledger with something of every kind in it. */
async function everything(opened: Opened): Promise<void> {
  await sequences(opened);
  for (let i = 1; i <= 9; i += 1) {
    const ends: End[] = ['processed', 'rejected', 'held', 'queued', 'failed'];
    await add(opened.ledger, ['acme', 'beta', 'Zed'][i % 3]!, `File_${i}.json`, `2026-06-2${i - 1}T10:00:00Z`, ends[i % 5]!, i * 3);
  }
  await opened.recordErrors.replace(1, Array.from({ length: 12 }, (_, i) => ({ position: i % 6, code: i % 4 ? 'missing_field' : 'bad_total', message: `m${i}` })), 2);
  await opened.exec(`INSERT INTO partner_logins (partner_id, via, at, address) VALUES ('beta', 'sftp', '2026-06-30T07:00:00.000Z', '10.0.0.1')`);
  clock = new Date('2026-06-30T08:00:00Z');
}

describe.skipIf(engines[1]![2])('the read model on both engines', () => {
  it('gives the same answers to every question on the same rows, whatever order the database sorts text in', async () => {
    const answers: unknown[] = [];
    for (const open of [sqlite, postgres, postgresReadingOrder]) {
      await withLedger(open, async (opened) => {
        await everything(opened);
        answers.push(await answersOf(opened.read));
      });
    }
    expect((answers[0] as { pages: unknown[] }).pages.length).toBeGreaterThan(2);
    expect(answers[1]).toEqual(answers[0]);
    expect(answers[2]).toEqual(answers[0]);
  });
});
