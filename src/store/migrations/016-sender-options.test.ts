import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { migrate } from '../migrate.js';
import { MIGRATIONS } from './index.js';

const AT = '2026-01-02T03:04:05.000Z';

describe('migration 16: sender options', () => {
  it('keeps every file with no sender options, and takes only a JSON object as options', () => {
    const db = new Database(':memory:');
    db.pragma('foreign_keys = ON');
    migrate(db, MIGRATIONS.filter((migration) => migration.version < 16));
    db.prepare("INSERT INTO partners (id, client_id, created_at, updated_at) VALUES ('p', 'p', ?, ?)").run(AT, AT);
    db.prepare("INSERT INTO files (id, partner_id, name, sha256, size, state, received_at, state_changed_at) VALUES (1, 'p', 'a.csv', 'h', 1, 'processed', ?, ?)").run(AT, AT);
    migrate(db);
    expect(db.prepare('SELECT id, sender_options FROM files').all()).toEqual([{ id: 1, sender_options: null }]);
    expect(() => db.prepare("UPDATE files SET sender_options = '[1]' WHERE id = 1").run()).toThrow(/CHECK constraint/);
    db.prepare(`UPDATE files SET sender_options = '{"allow_undo":true}' WHERE id = 1`).run();
    db.close();
  });
});
