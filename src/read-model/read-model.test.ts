import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../store/database.js';
import { FileLedger } from '../store/files.js';
import { PartnerLoginStore } from '../store/partner-logins.js';
import { PartnerStore } from '../store/partners.js';
import { RecordErrorStore } from '../store/record-errors.js';
import { ReadModel } from './read-model.js';

describe('the read model', () => {
  let dir: string;
  let db: Db;
  let readDb: Db;
  let clock = new Date('2026-06-30T08:00:00Z');
  let files: FileLedger;
  let read: ReadModel;

  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'posdrop-read-'));
    db = openDatabase(path.join(dir, 'posdrop.db'));
    const partners = new PartnerStore(db, () => clock);
    partners.add({ id: 'acme', clientId: '12', channels: [], formats: ['crowdtwist-pos'] });
    partners.add({ id: 'beta', clientId: '13', channels: [], formats: [] });
    files = new FileLedger(db, () => clock);
    // As the daemon reads: its own read-only connection.
    readDb = new Database(path.join(dir, 'posdrop.db'), { readonly: true, fileMustExist: true });
    read = new ReadModel(readDb, () => clock);
  });
  afterEach(async () => {
    readDb.close();
    db.close();
    await rm(dir, { recursive: true, force: true });
  });

  function add(partner: string, name: string, at: string, end: 'processed' | 'rejected' | 'held' = 'processed', accepted = 1) {
    clock = new Date(at);
    const file = files.insert({ partner, name, sha256: `${partner}${name}`.padEnd(64, '0'), size: 1 });
    if (end === 'held') return files.move(file.id, 'held');
    if (end === 'rejected') return files.move(file.id, 'rejected', { reasonCode: 'name_invalid', reason: 'no format takes this name' });
    files.move(file.id, 'queued');
    files.move(file.id, 'processing');
    return files.move(file.id, 'processed', { format: 'crowdtwist-pos', counts: { total: accepted + 1, accepted, failed: 1, duplicates: 0 } });
  }

  it('lists files newest first in keyset pages, filtered by partner, state, days and part of the name', async () => {
    for (let i = 1; i <= 7; i += 1) add(i % 2 ? 'acme' : 'beta', `File_${i}.json`, `2026-06-2${i}T10:00:00Z`, i === 7 ? 'rejected' : 'processed');
    const first = await read.listFiles({}, { limit: 3 });
    expect(first.rows.map((f) => f.name)).toEqual(['File_7.json', 'File_6.json', 'File_5.json']);
    const second = await read.listFiles({}, { before: first.next ?? undefined, limit: 3 });
    expect(second.rows.map((f) => f.name)).toEqual(['File_4.json', 'File_3.json', 'File_2.json']);
    const last = await read.listFiles({}, { before: second.next ?? undefined, limit: 3 });
    expect(last).toMatchObject({ rows: [{ name: 'File_1.json' }], next: null });

    const names = async (filter: Parameters<ReadModel['listFiles']>[0]) => (await read.listFiles(filter, { limit: 50 })).rows.map((f) => f.name);
    expect(await names({ partner: 'beta' })).toEqual(['File_6.json', 'File_4.json', 'File_2.json']);
    expect(await names({ state: 'rejected' })).toEqual(['File_7.json']);
    expect(await names({ from: '2026-06-23', to: '2026-06-24' })).toEqual(['File_4.json', 'File_3.json']);
    expect(await names({ name: 'file_5' })).toEqual(['File_5.json']);
    expect(await names({ format: 'crowdtwist-pos', partner: 'acme', name: '.JSON' })).toEqual(['File_5.json', 'File_3.json', 'File_1.json']);
  });

  it('finds a file by id or name, and refuses a name two partners sent', async () => {
    const one = add('acme', 'same.json', '2026-06-29T10:00:00Z');
    add('beta', 'same.json', '2026-06-29T11:00:00Z');
    expect((await read.findFile(String(one.id))).partner).toBe('acme');
    expect((await read.findFile('same.json', 'acme')).id).toBe(one.id);
    await expect(read.findFile('same.json')).rejects.toThrow(/partners beta, acme each sent a file named same.json/);
    await expect(read.findFile('nothing.json')).rejects.toThrow(/no file "nothing.json"/);
  });

  it('pages record errors in file order, of one code, and counts them by code', async () => {
    const file = add('acme', 'errors.json', '2026-06-29T10:00:00Z');
    const errors = Array.from({ length: 25 }, (_, i) => ({ position: i, code: i % 5 === 0 ? 'unknown_sku' : 'missing_field', message: `m${i}`, value: `<v${i}>` }));
    new RecordErrorStore(db).replace(file.id, errors, 3);
    const page = await read.recordErrors(file.id, { limit: 10 });
    expect(page.rows.map((e) => e.position)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const next = await read.recordErrors(file.id, { after: page.next ?? undefined, limit: 10 });
    expect(next.rows[0]).toMatchObject({ position: 10, code: 'unknown_sku', value: '<v10>' });
    const sku = await read.recordErrors(file.id, { code: 'unknown_sku', limit: 3 });
    expect(sku.rows.map((e) => e.position)).toEqual([0, 5, 10]);
    const rest = await read.recordErrors(file.id, { code: 'unknown_sku', after: sku.next ?? undefined, limit: 3 });
    expect(rest).toMatchObject({ rows: [{ position: 15 }, { position: 20 }], next: null });
    expect(await read.errorCodes(file.id)).toEqual([{ code: 'missing_field', n: 20 }, { code: 'unknown_sku', n: 5 }]);
    expect(await read.errorsNotStored(file.id)).toBe(3);
  });

  it('counts records per partner per day, files by state in the last day, and holds', async () => {
    add('acme', 'a.json', '2026-06-10T10:00:00Z', 'processed', 99); // outside the 14 days
    add('acme', 'b.json', '2026-06-29T10:00:00Z', 'processed', 5);
    add('acme', 'c.json', '2026-06-29T12:00:00Z', 'processed', 7);
    add('beta', 'd.json', '2026-06-30T07:00:00Z', 'processed', 2);
    add('beta', 'e.json', '2026-06-30T07:30:00Z', 'held');
    add('beta', 'f.json', '2026-06-30T07:40:00Z', 'rejected');
    clock = new Date('2026-06-30T08:00:00Z');
    expect(await read.dailyRecords(14)).toEqual([
      { day: '2026-06-29', partner: 'acme', accepted: 12, failed: 2, duplicates: 0 },
      { day: '2026-06-30', partner: 'beta', accepted: 2, failed: 1, duplicates: 0 },
    ]);
    expect(await read.dailyRecords(14, 'beta')).toHaveLength(1);
    expect(await read.statesSince(new Date('2026-06-29T08:00:00Z'))).toEqual([
      { partner: 'acme', state: 'processed', n: 2 },
      { partner: 'beta', state: 'held', n: 1 },
      { partner: 'beta', state: 'processed', n: 1 },
      { partner: 'beta', state: 'rejected', n: 1 },
    ]);
    expect(await read.holdsByPartner()).toEqual([{ partner: 'beta', n: 1, oldest: '2026-06-30T07:30:00.000Z' }]);
    expect((await read.recentRejections(5)).map((f) => [f.name, f.reasonCode])).toEqual([['f.json', 'name_invalid']]);
    const partners = await read.partners();
    expect(partners.map((p) => [p.id, p.files, p.lastUploadAt, p.hasPassword])).toEqual([
      ['acme', 3, '2026-06-29T12:00:00.000Z', false],
      ['beta', 3, '2026-06-30T07:40:00.000Z', false],
    ]);
  });

  it('gives each partner its last login per way in, never one older than it has, and whether it has API credentials', async () => {
    const logins = new PartnerLoginStore(db);
    new PartnerStore(db, () => clock).update('beta', { apiKeyHash: 'scrypt$x', passwordHash: 'scrypt$y' });
    await logins.record({ partner: 'acme', via: 'sftp', at: '2026-06-30T07:00:00.000Z', address: '10.0.0.1' });
    await logins.record({ partner: 'acme', via: 'api', at: '2026-06-30T07:30:00.000Z', address: '10.0.0.2' });
    await logins.record({ partner: 'acme', via: 'sftp', at: '2026-06-30T06:00:00.000Z', address: '10.0.0.9' });
    const [acme, beta] = await read.partners();
    expect(acme?.lastLogin).toEqual({ sftp: { at: '2026-06-30T07:00:00.000Z', address: '10.0.0.1' }, api: { at: '2026-06-30T07:30:00.000Z', address: '10.0.0.2' } });
    expect([acme?.hasApiKey, beta?.hasApiKey, beta?.hasPassword, beta?.lastLogin]).toEqual([false, true, true, {}]);
    expect(Object.keys(beta ?? {})).not.toContain('apiKeyHash');
    expect(Object.keys(beta ?? {})).not.toContain('passwordHash');
  });
});
