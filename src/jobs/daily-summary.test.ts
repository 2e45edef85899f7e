import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLog } from '../log.js';
import { openDatabase, type Db } from '../store/database.js';
import { FileLedger } from '../store/files.js';
import { PartnerStore } from '../store/partners.js';
import { SqliteReadModel } from '../read-model/sqlite-read-model.js';
import { runDailySummary } from './daily-summary.js';

describe('the daily summary', () => {
  let dir: string;
  let db: Db;
  let clock = new Date('2026-06-30T08:00:00Z');

  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'posdrop-summary-'));
    db = openDatabase(path.join(dir, 'posdrop.db'));
    const partners = new PartnerStore(db, () => clock);
    partners.add({ id: 'acme', clientId: '12', channels: [], formats: [] });
    partners.add({ id: 'quiet', clientId: '13', channels: [], formats: [] });
  });
  afterEach(async () => {
    db.close();
    await rm(dir, { recursive: true, force: true });
  });

  function processed(files: FileLedger, name: string, counts: { total: number; accepted: number; failed: number; duplicates: number }) {
    const file = files.insert({ partner: 'acme', name, sha256: name.padEnd(64, '0'), size: 1 });
    files.move(file.id, 'queued');
    files.move(file.id, 'processing');
    files.move(file.id, 'processed', { counts });
  }

  it('logs one line per partner with the last 24 hours and the holds open now', async () => {
    const files = new FileLedger(db, () => clock);
    clock = new Date('2026-06-28T08:00:00Z'); // two days ago: outside the window
    processed(files, 'old.json', { total: 100, accepted: 100, failed: 0, duplicates: 0 });
    clock = new Date('2026-06-30T07:00:00Z');
    processed(files, 'a.json', { total: 10, accepted: 7, failed: 2, duplicates: 1 });
    processed(files, 'b.json', { total: 5, accepted: 5, failed: 0, duplicates: 0 });
    const held = files.insert({ partner: 'acme', name: 'c.json', sha256: 'c'.repeat(64), size: 1 });
    files.move(held.id, 'held');

    const lines: Record<string, unknown>[] = [];
    const stream = new Writable({ write: (chunk: Buffer, _e, done) => (lines.push(JSON.parse(chunk.toString())), done()) });
    const summary = await runDailySummary({ read: new SqliteReadModel(db), log: createLog({ stream }), now: () => new Date('2026-06-30T23:55:00Z') });

    expect(summary.map((line) => line.partner)).toEqual(['acme', 'quiet']);
    expect(summary[0]).toMatchObject({
      files_received: 3,
      processed: 2,
      records: 15,
      records_accepted: 12,
      records_failed: 2,
      records_duplicate: 1,
      held: 1,
      oldest_hold_since: '2026-06-30T07:00:00.000Z',
    });
    expect(summary[1]).toMatchObject({ files_received: 0, records: 0, held: 0, oldest_hold_since: null });
    expect(lines.filter((line) => line.event === 'job.summary.partner')).toHaveLength(2);
  });
});
