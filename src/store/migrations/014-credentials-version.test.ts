import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { migrate } from '../migrate.js';
import { PartnerStore } from '../partners.js';
import { MIGRATIONS } from './index.js';

describe('migration 14: credentials version', () => {
  it('starts every partner at 1, raised only by what takes access away', () => {
    const db = new Database(':memory:');
    migrate(db, MIGRATIONS.filter((migration) => migration.version < 14));
    db.prepare(
      `INSERT INTO partners (id, client_id, channels, formats, options, created_at, updated_at)
       VALUES ('acme', '12', '[]', '[]', '{}', '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z')`,
    ).run();
    migrate(db);
    const partners = new PartnerStore(db, () => new Date());
    const version = () => partners.get('acme')?.credentialsVersion;
    expect(version()).toBe(1);
    partners.update('acme', { enabled: true, clientId: '13' });
    expect(version()).toBe(1);
    partners.update('acme', { enabled: false });
    expect(version()).toBe(2);
    partners.update('acme', { passwordHash: 'x' });
    expect(version()).toBe(3);
    partners.addKey('acme', { algo: 'ssh-ed25519', publicKey: 'AAAA', comment: '', fingerprint: 'SHA256:x' });
    expect(version()).toBe(3);
    expect(partners.removeKey('acme', 'SHA256:x')).toBe(true);
    expect(partners.removeKey('acme', 'SHA256:x')).toBe(false);
    expect(version()).toBe(4);
    db.close();
  });
});
