/** Partners and their keys: one contract on SQLite and, where a server can be started, on PostgreSQL. */
import { describe, expect, it } from 'vitest';
import { storeEngines, type OpenedEngine } from '../../test/support/store-engines.js';
import { SqlitePartnerStore, type PartnerStoreAsync } from './partner-store.js';
import { PostgresPartnerStore } from './postgres/partners.js';

function steppingClock(): () => Date {
  let at = Date.parse('2026-03-01T10:00:00.000Z');
  return () => new Date((at += 1000));
}

const storeOn = (opened: OpenedEngine): PartnerStoreAsync =>
  opened.engine === 'sqlite' ? new SqlitePartnerStore(opened.db, steppingClock()) : new PostgresPartnerStore(opened.pool, steppingClock());

const KEY = { algo: 'ssh-ed25519', publicKey: 'AAAAC3NzaC1lZDI1NTE5AAAAIK', comment: 'ops@acme', fingerprint: 'SHA256:one' };
const OTHER = { ...KEY, publicKey: 'AAAAC3NzaC1lZDI1NTE5AAAAIL', comment: '', fingerprint: 'SHA256:two' };

describe.each(storeEngines('partner store'))('partners on %s', (_engine, skip, open) => {
  async function withStore(work: (store: PartnerStoreAsync) => Promise<void>): Promise<void> {
    const opened = await open();
    try {
      await work(storeOn(opened));
    } finally {
      await opened.close();
    }
  }

  it.skipIf(skip)('adds a partner with its defaults, reads it back, lists by id and changes only what a patch names', () =>
    withStore(async (store) => {
      const zeta = await store.add({ id: 'zeta', clientId: 'Z1', channels: [], formats: [] });
      const acme = await store.add({ id: 'acme', clientId: 'A1', channels: ['pos'], formats: ['crowdtwist-pos'], passwordHash: 'h1', maxUploadBytes: 500, options: { x: 1 } });
      expect(acme).toMatchObject({
        id: 'acme', clientId: 'A1', channels: ['pos'], formats: ['crowdtwist-pos'], enabled: true, passwordHash: 'h1',
        apiKeyHash: null, maxUploadBytes: 500, options: { x: 1 }, credentialsVersion: 1,
      });
      expect(acme.createdAt).toBe(acme.updatedAt);
      expect(zeta).toMatchObject({ passwordHash: null, maxUploadBytes: null, options: {} });
      expect(await store.get('acme')).toEqual(acme);
      expect(await store.get('nobody')).toBeUndefined();
      expect((await store.list()).map((partner) => partner.id)).toEqual(['acme', 'zeta']);
      expect(await store.update('acme', { clientId: 'A2', apiKeyHash: 'k', options: { y: 2 }, maxUploadBytes: null })).toBe(true);
      expect(await store.update('nobody', { clientId: 'X' })).toBe(false);
      const changed = await store.get('acme');
      expect(changed).toMatchObject({ clientId: 'A2', apiKeyHash: 'k', options: { y: 2 }, maxUploadBytes: null, passwordHash: 'h1', credentialsVersion: 1 });
      expect(changed!.updatedAt > acme.updatedAt).toBe(true);
    }));

  it.skipIf(skip)('raises the credentials version when access is taken away (disabled, new password, key removed), and only then', () =>
    withStore(async (store) => {
      await store.add({ id: 'acme', clientId: 'A1', channels: [], formats: [] });
      const version = async () => (await store.get('acme'))!.credentialsVersion;
      await store.update('acme', { clientId: 'A2', enabled: true });
      expect(await version()).toBe(1);
      await store.update('acme', { passwordHash: 'new' });
      expect(await version()).toBe(2);
      await store.update('acme', { enabled: false });
      expect(await version()).toBe(3);
      expect(await store.credentialStates()).toEqual([{ id: 'acme', version: 3, enabled: false }]);
      await store.update('acme', { enabled: true });
      expect(await store.addKey('acme', KEY)).toBe(true);
      expect(await version()).toBe(3);
      expect(await store.removeKey('acme', 'SHA256:none')).toBe(false);
      expect(await version()).toBe(3);
      expect(await store.removeKey('acme', KEY.fingerprint)).toBe(true);
      expect(await store.credentialStates()).toEqual([{ id: 'acme', version: 4, enabled: true }]);
    }));

  it.skipIf(skip)('keeps each key once, in the order added, removes one by fingerprint or row id, and hands the partner and its keys out together', () =>
    withStore(async (store) => {
      await store.add({ id: 'acme', clientId: 'A1', channels: [], formats: [] });
      await store.add({ id: 'zeta', clientId: 'Z1', channels: [], formats: [] });
      expect(await store.withKeys('acme')).toMatchObject({ id: 'acme', keys: [] });
      expect(await store.addKey('acme', KEY)).toBe(true);
      expect(await store.addKey('acme', KEY)).toBe(false);
      expect(await store.addKey('acme', OTHER)).toBe(true);
      expect(await store.addKey('zeta', KEY)).toBe(true);
      const keys = await store.keys('acme');
      expect(keys.map(({ id: _id, addedAt: _at, ...key }) => key)).toEqual([KEY, OTHER]);
      expect(keys[0]!.addedAt < keys[1]!.addedAt).toBe(true);
      const both = await store.withKeys('acme');
      expect(both).toEqual({ ...(await store.get('acme')), keys });
      expect(await store.withKeys('nobody')).toBeUndefined();
      expect(await store.removeKey('acme', String(keys[1]!.id))).toBe(true);
      expect((await store.keys('acme')).map((key) => key.fingerprint)).toEqual([KEY.fingerprint]);
      expect((await store.keys('zeta')).map((key) => key.fingerprint)).toEqual([KEY.fingerprint]);
    }));
});
