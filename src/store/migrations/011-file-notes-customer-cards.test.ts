import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { migrate } from '../migrate.js';
import { MIGRATIONS } from './index.js';

const AT = '2026-01-02T03:04:05.000Z';

describe('migration 11: file notes, customers by card number', () => {
  it('keeps every file and customer, and lets one card number name one customer of a partner', () => {
    const db = new Database(':memory:');
    migrate(db, MIGRATIONS.filter((migration) => migration.version < 11));
    db.prepare("INSERT INTO partners (id, client_id, created_at, updated_at) VALUES ('p', 'p', ?, ?)").run(AT, AT);
    db.prepare("INSERT INTO files (id, partner_id, name, sha256, size, state, received_at, state_changed_at) VALUES (1, 'p', 'a.csv', 'h', 1, 'processed', ?, ?)").run(AT, AT);
    db.prepare("INSERT INTO toolbox_customers (partner_id, code, created_file_id, created_at) VALUES ('p', 'c1', 1, ?)").run(AT);
    migrate(db);
    expect(db.prepare('SELECT id, notes FROM files').all()).toEqual([{ id: 1, notes: null }]);
    expect(db.prepare('SELECT code, card_number, created_by FROM toolbox_customers').all()).toEqual([{ code: 'c1', card_number: null, created_by: null }]);
    db.prepare("UPDATE toolbox_customers SET card_number = '4444' WHERE code = 'c1'").run();
    const second = db.prepare("INSERT INTO toolbox_customers (partner_id, code, card_number, created_file_id, created_at) VALUES ('p', 'c2', '4444', 0, ?)");
    expect(() => second.run(AT)).toThrow(/UNIQUE/);
  });
});
