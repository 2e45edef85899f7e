import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { migrate } from '../migrate.js';
import { MIGRATIONS } from './index.js';

const AT = '2026-01-02T03:04:05.000Z';

describe('migration 13: the partner API', () => {
  it('keeps every partner and file, with no API key and no via, and takes only http as a via', () => {
    const db = new Database(':memory:');
    db.pragma('foreign_keys = ON');
    migrate(db, MIGRATIONS.filter((migration) => migration.version < 13));
    db.prepare("INSERT INTO partners (id, client_id, created_at, updated_at) VALUES ('p', 'p', ?, ?)").run(AT, AT);
    db.prepare("INSERT INTO files (id, partner_id, name, sha256, size, state, received_at, state_changed_at) VALUES (1, 'p', 'a.csv', 'h', 1, 'processed', ?, ?)").run(AT, AT);
    migrate(db);
    expect(db.prepare('SELECT id, api_key_hash FROM partners').all()).toEqual([{ id: 'p', api_key_hash: null }]);
    expect(db.prepare('SELECT id, via FROM files').all()).toEqual([{ id: 1, via: null }]);
    expect(() => db.prepare("UPDATE files SET via = 'ftp' WHERE id = 1").run()).toThrow(/CHECK constraint/);
    db.prepare("INSERT INTO api_imports (id, partner_id, list_id, metadata, created_at) VALUES ('u', 'p', '7', '{}', ?)").run(AT);
    expect(db.prepare('SELECT data_posts FROM api_imports').pluck().get()).toBe(0);
    db.close();
  });
});
