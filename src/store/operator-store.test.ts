/** Operators and their actions: one contract on SQLite and, where a server can be started, on PostgreSQL. */
import { describe, expect, it } from 'vitest';
import { storeEngines, type OpenedEngine } from '../../test/support/store-engines.js';
import { OperatorStore, type OperatorStoreAsync } from './operators.js';
import { PostgresOperatorStore } from './postgres/operators.js';

function steppingClock(): () => Date {
  let at = Date.parse('2026-03-01T10:00:00.000Z');
  return () => new Date((at += 1000));
}

const storeOn = (opened: OpenedEngine): OperatorStoreAsync =>
  opened.engine === 'sqlite' ? new OperatorStore(opened.db, steppingClock()) : new PostgresOperatorStore(opened.pool, steppingClock());

describe.each(storeEngines('operator store'))('operators on %s', (_engine, skip, open) => {
  it.skipIf(skip)('adds an account once per name, changes what a patch names, notes logins and lists by name', async () => {
    const opened = await open();
    try {
      const store = storeOn(opened);
      expect(await store.add({ name: 'zoe', passwordHash: 'h1', role: 'viewer' })).toBe(true);
      expect(await store.add({ name: 'ann', passwordHash: 'h2', role: 'admin' })).toBe(true);
      expect(await store.add({ name: 'ann', passwordHash: 'other', role: 'viewer' })).toBe(false);
      const ann = await store.get('ann');
      expect(ann).toMatchObject({ name: 'ann', passwordHash: 'h2', role: 'admin', enabled: true, lastLoginAt: null });
      expect(ann!.createdAt).toBe(ann!.updatedAt);
      expect(await store.get('nobody')).toBeUndefined();
      expect(await store.update('ann', { role: 'viewer', enabled: false })).toBe(true);
      expect(await store.update('nobody', { role: 'viewer' })).toBe(false);
      await store.loggedIn('zoe');
      const [first, second] = await store.list();
      expect(first).toMatchObject({ name: 'ann', role: 'viewer', enabled: false, passwordHash: 'h2' });
      expect(first!.updatedAt > ann!.updatedAt).toBe(true);
      expect(second).toMatchObject({ name: 'zoe', enabled: true });
      expect(second!.lastLoginAt).not.toBeNull();
    } finally {
      await opened.close();
    }
  });

  it.skipIf(skip)('records actions with who, when and why, and answers the newest first', async () => {
    const opened = await open();
    try {
      const store = storeOn(opened);
      const one = await store.recordAction({ operator: 'ann', action: 'release', target: 'file 1', reason: 'checked', outcome: 'ok' });
      const two = await store.recordAction({ operator: 'zoe', action: 'reprocess', target: 'file 2', reason: 'fixed', outcome: 'refused' });
      expect(two.id).toBeGreaterThan(one.id);
      expect(await store.actions(10)).toEqual([two, one]);
      expect(await store.actions(1)).toEqual([two]);
    } finally {
      await opened.close();
    }
  });
});
