import { mkdir, mkdtemp, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DataLayout } from '../data-layout.js';
import { createLog } from '../log.js';
import { openDatabase, type Db } from '../store/database.js';
import { openFailedRequestStore } from '../formats/crowdtwist-pos/failed-request-store.js';
import { FileLedger } from '../store/files.js';
import { PartnerStore } from '../store/partners.js';
import { RecordErrorStore } from '../store/record-errors.js';
import { SqliteReadModel } from '../read-model/sqlite-read-model.js';
import { SqliteStore } from '../store/store.js';
import { WriteLock } from '../store/write-lock.js';
import { runRetention } from './retention.js';

const NOW = new Date('2026-06-30T12:00:00Z');
const DAY = 86_400_000;
const quiet = createLog({ level: 'error' });

/** The store retention deletes through and the read model it asks, on the test's database. */
function ledgerOf(db: Db) {
  return { store: new SqliteStore(db, new WriteLock(db), () => NOW), read: new SqliteReadModel(db, () => NOW) };
}

describe('retention', () => {
  let layout: DataLayout;
  let db: Db;
  let files: FileLedger;

  beforeEach(async () => {
    layout = new DataLayout(await mkdtemp(path.join(tmpdir(), 'posdrop-retention-')));
    db = openDatabase(layout.database);
    new PartnerStore(db, () => NOW).add({ id: 'acme', clientId: '12', channels: [], formats: [] });
    files = new FileLedger(db, () => new Date(NOW.getTime() - 40 * DAY));
  });
  afterEach(async () => {
    db.close();
    await rm(layout.root, { recursive: true, force: true });
  });

  async function put(file: string, ageDays: number): Promise<void> {
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, 'x');
    const at = new Date(NOW.getTime() - ageDays * DAY);
    await utimes(file, at, at);
  }

  it('deletes archive days and outbox files past their age, and keeps the rest', async () => {
    await put(path.join(layout.archiveDir('acme', '2026-05-30'), 'old-1.json'), 31);
    await put(path.join(layout.archiveDir('acme', '2026-05-30'), 'old-2.json'), 31);
    await put(path.join(layout.archiveDir('acme', '2026-06-01'), 'young.json'), 29);
    const outbox = layout.areaDir('acme', 'outbox');
    await put(path.join(outbox, 'old.json.receipt.json'), 20);
    await put(path.join(outbox, 'young.json.receipt.json'), 3);
    await put(path.join(outbox, 'waiting.json.receipt.json'), 20); // its file is still held
    await put(path.join(outbox, '.write-in-progress.tmp'), 20);
    const held = files.insert({ partner: 'acme', name: 'waiting.json', sha256: 'a'.repeat(64), size: 1 });
    files.move(held.id, 'held');

    const counts = await runRetention({ ...ledgerOf(db), layout, log: quiet, now: () => NOW, config: { archive_days: 30, outbox_days: 14, record_errors_days: 0 } });

    expect(counts).toEqual({ archive_files: 2, archive_days: 1, outbox_files: 1, record_errors: 0, notifications: 0 });
    expect(await readdir(path.join(layout.root, 'archive', 'acme'))).toEqual(['2026-06-01']);
    expect((await readdir(outbox)).sort()).toEqual(['.write-in-progress.tmp', 'waiting.json.receipt.json', 'young.json.receipt.json']);
    expect(files.get(held.id)?.state).toBe('held');
  });

  it('keeps everything when the ages are 0, and deletes old record errors only when asked', async () => {
    await put(path.join(layout.archiveDir('acme', '2020-01-01'), 'ancient.json'), 2000);
    const file = files.insert({ partner: 'acme', name: 'a.json', sha256: 'b'.repeat(64), size: 1 });
    files.move(file.id, 'queued');
    files.move(file.id, 'processing');
    files.move(file.id, 'processed', { counts: { total: 1, accepted: 0, failed: 1, duplicates: 0 } });
    new RecordErrorStore(db).replace(file.id, [{ position: 1, code: 'invalid_type', message: 'no' }], 0);
    const requests = openFailedRequestStore({ engine: 'sqlite', db });
    requests.add(file.id, { index: 1, receiptId: 'r1', type: 'purchase', request: '{"type":"purchase"}' });

    const keep = await runRetention({ ...ledgerOf(db), layout, log: quiet, now: () => NOW, config: { archive_days: 0, outbox_days: 0, record_errors_days: 0 } });
    expect(keep).toEqual({ archive_files: 0, archive_days: 0, outbox_files: 0, record_errors: 0, notifications: 0 });
    expect(new RecordErrorStore(db).count(file.id)).toBe(1);
    expect(await requests.list(file.id)).toHaveLength(1);

    const prune = await runRetention({ ...ledgerOf(db), layout, log: quiet, now: () => NOW, config: { archive_days: 0, outbox_days: 0, record_errors_days: 30 } });
    expect(prune.record_errors).toBe(1);
    expect(await requests.list(file.id)).toEqual([]);
    expect(files.get(file.id)?.state).toBe('processed');
  });
});
