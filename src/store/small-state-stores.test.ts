/**
 * The small seams (partner logins, API imports, the heartbeat, the file id floor, the credential
 * watch): one contract on SQLite and, where a server can be started, on PostgreSQL.
 */
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { storeEngines, type OpenedEngine } from '../../test/support/store-engines.js';
import { ApiImportStore, type ApiImports } from './api-imports.js';
import { CredentialWatch, PollingCredentialWatch, type CredentialWatcher } from './credential-watch.js';
import { SqliteFileIdFloorStore, type FileIdFloorStore } from './file-id-floor.js';
import { SqliteHeartbeatStore, type HeartbeatStore } from './heartbeat.js';
import { PartnerLoginStore, type PartnerLoginStoreAsync } from './partner-logins.js';
import { SqlitePartnerStore, type PartnerStoreAsync } from './partner-store.js';
import { PostgresApiImportStore } from './postgres/api-imports.js';
import { PostgresFileIdFloorStore } from './postgres/file-id-floor.js';
import { PostgresHeartbeatStore } from './postgres/heartbeat.js';
import { PostgresPartnerLoginStore } from './postgres/partner-logins.js';
import { PostgresPartnerStore } from './postgres/partners.js';

const AT = '2026-01-01T00:00:00.000Z';
const SETUP = [`INSERT INTO partners (id, client_id, created_at, updated_at) VALUES ('acme', 'acme', '${AT}', '${AT}'), ('zeta', 'zeta', '${AT}', '${AT}')`];
const now = () => new Date('2026-03-01T10:00:00.000Z');

interface Seams {
  logins: PartnerLoginStoreAsync;
  imports: ApiImports;
  heartbeat: HeartbeatStore;
  floor: FileIdFloorStore;
  partners: PartnerStoreAsync;
  watch: CredentialWatcher;
}

function seamsOn(opened: OpenedEngine): Seams {
  if (opened.engine === 'sqlite') {
    const partners = new SqlitePartnerStore(opened.db, now);
    return {
      logins: new PartnerLoginStore(opened.db),
      imports: new ApiImportStore(opened.db, now),
      heartbeat: new SqliteHeartbeatStore(opened.db),
      floor: new SqliteFileIdFloorStore(opened.db),
      partners,
      watch: new CredentialWatch(opened.db, partners.sync),
    };
  }
  const partners = new PostgresPartnerStore(opened.pool, now);
  return {
    logins: new PostgresPartnerLoginStore(opened.pool),
    imports: new PostgresApiImportStore(opened.pool, now),
    heartbeat: new PostgresHeartbeatStore(opened.pool),
    floor: new PostgresFileIdFloorStore(opened.pool),
    partners,
    watch: new PollingCredentialWatch(partners),
  };
}

describe.each(storeEngines('small state stores'))('the small seams on %s', (_engine, skip, open) => {
  /** SQLite on a file, so that a second connection (the CLI's) can commit beside the daemon's. */
  async function withSeams(work: (seams: Seams, opened: OpenedEngine & { other(sql: string): Promise<void> }) => Promise<void>): Promise<void> {
    const opened = await open(SETUP, { onFile: true });
    try {
      const other = async (sql: string) => {
        if (opened.engine === 'postgres') await opened.pool.query(sql);
        else {
          const second = new Database(opened.db.name);
          try {
            second.exec(sql);
          } finally {
            second.close();
          }
        }
      };
      await work(seamsOn(opened), Object.assign(opened, { other }));
    } finally {
      await opened.close();
    }
  }

  it.skipIf(skip)('keeps each partner’s last login per way in, never overwritten by an older one', () =>
    withSeams(async ({ logins }) => {
      await logins.record({ partner: 'zeta', via: 'sftp', at: '2026-03-01T10:00:00.000Z', address: '10.0.0.9' });
      await logins.record({ partner: 'acme', via: 'sftp', at: '2026-03-01T10:00:00.000Z', address: '10.0.0.1' });
      await logins.record({ partner: 'acme', via: 'sftp', at: '2026-03-01T11:00:00.000Z', address: '10.0.0.2' });
      await logins.record({ partner: 'acme', via: 'sftp', at: '2026-03-01T09:00:00.000Z', address: '10.0.0.3' });
      await logins.record({ partner: 'acme', via: 'api', at: '2026-03-01T08:00:00.000Z', address: '10.0.0.4' });
      expect(await logins.all()).toEqual([
        { partner: 'acme', via: 'api', at: '2026-03-01T08:00:00.000Z', address: '10.0.0.4' },
        { partner: 'acme', via: 'sftp', at: '2026-03-01T11:00:00.000Z', address: '10.0.0.2' },
        { partner: 'zeta', via: 'sftp', at: '2026-03-01T10:00:00.000Z', address: '10.0.0.9' },
      ]);
    }));

  it.skipIf(skip)('opens an import, finds it only for its own partner and list, and numbers its data posts from 1', () =>
    withSeams(async ({ imports }) => {
      await imports.open({ id: 'imp-1', partner: 'acme', listId: 'L1', metadata: { source: 'crm' } });
      await expect(imports.open({ id: 'imp-1', partner: 'acme', listId: 'L1', metadata: null })).rejects.toThrow();
      expect(await imports.find('acme', 'L1', 'imp-1')).toEqual({ id: 'imp-1', partner: 'acme', listId: 'L1', dataPosts: 0 });
      expect(await imports.find('zeta', 'L1', 'imp-1')).toBeUndefined();
      expect(await imports.find('acme', 'L2', 'imp-1')).toBeUndefined();
      expect([await imports.nextPost('imp-1'), await imports.nextPost('imp-1')]).toEqual([1, 2]);
      expect((await imports.find('acme', 'L1', 'imp-1'))?.dataPosts).toBe(2);
    }));

  it.skipIf(skip)('writes one heartbeat row, the latest', () =>
    withSeams(async ({ heartbeat }) => {
      expect(await heartbeat.last()).toBeUndefined();
      await heartbeat.beat(new Date('2026-03-01T10:00:00.000Z'), 41);
      await heartbeat.beat(new Date('2026-03-01T10:00:05.000Z'), 42);
      expect(await heartbeat.last()).toEqual({ at: '2026-03-01T10:00:05.000Z', pid: 42 });
    }));

  it.skipIf(skip)('knows the highest file id handed out, from its rows and its floor, and never lowers the floor', () =>
    withSeams(async ({ floor }, opened) => {
      expect(await floor.highest()).toBe(0);
      await opened.exec(`INSERT INTO files (id, partner_id, name, sha256, size, state, received_at, state_changed_at) VALUES (5, 'acme', 'a.csv', 'aa', 1, 'received', '${AT}', '${AT}')`);
      expect(await floor.highest()).toBe(5);
      await floor.raise(40);
      await floor.raise(12);
      expect(await floor.highest()).toBe(40);
      expect(await opened.rows('SELECT file_id FROM file_id_floor')).toEqual([{ file_id: 40 }]);
    }));

  it.skipIf(skip)('tells the daemon every partner’s access at first, then nothing until another connection commits a change', () =>
    withSeams(async ({ watch }, opened) => {
      const first = await watch.changes();
      expect(first && Object.fromEntries(first)).toEqual({ acme: { version: 1, enabled: true }, zeta: { version: 1, enabled: true } });
      expect(await watch.changes()).toBeUndefined();
      await opened.other(`UPDATE partners SET enabled = 0, credentials_version = credentials_version + 1 WHERE id = 'acme'`);
      expect(Object.fromEntries((await watch.changes())!)).toEqual({ acme: { version: 2, enabled: false }, zeta: { version: 1, enabled: true } });
      expect(await watch.changes()).toBeUndefined();
    }));
});
