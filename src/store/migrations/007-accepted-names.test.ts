import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { migrate } from '../migrate.js';
import { MIGRATIONS } from './index.js';

describe('migration 7: accepted names', () => {
  it("keeps every name PBJ accepted, now under its format, and drops PBJ's own table", () => {
    const db = new Database(':memory:');
    migrate(db, MIGRATIONS.filter((migration) => migration.version < 7));
    db.prepare("INSERT INTO pbj_names (partner_id, name, file_id) VALUES ('jumbo', 'direct-mail_20-04-2020_1.csv', 3)").run();
    migrate(db);
    expect(db.prepare('SELECT * FROM accepted_names').all()).toEqual([
      { partner_id: 'jumbo', format: 'pbj-offline-sales', name: 'direct-mail_20-04-2020_1.csv', file_id: 3 },
    ]);
    expect(db.prepare("SELECT count(*) FROM sqlite_master WHERE name = 'pbj_names'").pluck().get()).toBe(0);
    db.close();
  });
});
