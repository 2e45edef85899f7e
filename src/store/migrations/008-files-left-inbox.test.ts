import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { migrate } from '../migrate.js';
import { MIGRATIONS } from './index.js';

const AT = '2026-01-02T03:04:05.000Z';

function atVersion7(): Database.Database {
  const db = new Database(':memory:');
  db.pragma('foreign_keys = ON');
  migrate(db, MIGRATIONS.filter((migration) => migration.version < 8));
  db.prepare("INSERT INTO partners (id, client_id, created_at, updated_at) VALUES ('p', 'p', ?, ?)").run(AT, AT);
  const insert = db.prepare("INSERT INTO files (id, partner_id, name, sha256, size, state, received_at, state_changed_at) VALUES (?, 'p', ?, 'h', 1, ?, ?, ?)");
  insert.run(1, 'done.csv', 'processed', AT, AT);
  insert.run(2, 'waiting.json', 'held', AT, AT);
  insert.run(3, 'broken.csv', 'failed', AT, AT);
  db.prepare("INSERT INTO file_events (file_id, at, state) VALUES (1, ?, 'processed')").run(AT);
  return db;
}

describe('migration 8: when an original left the inbox', () => {
  it('takes final rows as archived, keeps pending and failed ones in the inbox, and keeps every row and key', () => {
    const db = atVersion7();
    db.prepare('UPDATE files SET errors_not_stored = 4 WHERE id = 1').run();
    const columns = () => (db.pragma('table_info(files)') as { name: string; type: string; notnull: number; dflt_value: unknown }[]);
    const before = columns();
    migrate(db, MIGRATIONS.filter((migration) => migration.version <= 8));
    expect(columns()).toEqual([...before, { cid: before.length, name: 'left_inbox_at', type: 'TEXT', notnull: 0, dflt_value: null, pk: 0 }]);
    expect(db.prepare('SELECT errors_not_stored FROM files WHERE id = 1').pluck().get()).toBe(4);
    expect(db.prepare('SELECT id, state, left_inbox_at FROM files ORDER BY id').all()).toEqual([
      { id: 1, state: 'processed', left_inbox_at: AT },
      { id: 2, state: 'held', left_inbox_at: null },
      { id: 3, state: 'failed', left_inbox_at: null },
    ]);
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(db.pragma('foreign_key_check')).toEqual([]);
    expect(() => db.prepare("INSERT INTO file_events (file_id, at, state) VALUES (99, ?, 'queued')").run(AT)).toThrow(/FOREIGN KEY/);
    db.close();
  });

  it('lets an identity arrive again once its earlier file left the inbox, never twice in it', () => {
    const db = atVersion7();
    migrate(db, MIGRATIONS.filter((migration) => migration.version <= 8));
    const arrive = db.prepare("INSERT INTO files (partner_id, name, sha256, size, state, received_at, state_changed_at) VALUES ('p', ?, 'h', 1, 'received', ?, ?)");
    expect(() => arrive.run('done.csv', AT, AT)).not.toThrow();
    expect(() => arrive.run('done.csv', AT, AT)).toThrow(/UNIQUE/);
    expect(() => arrive.run('waiting.json', AT, AT)).toThrow(/UNIQUE/);
    db.close();
  });
});
