import { describe, expect, it } from 'vitest';
import { LiveLogins, type AccessStates } from './live-logins.js';

function login(partner: string, version: number) {
  const state = { revoked: false };
  return { state, login: { partner, address: '127.0.0.1', version, revoke: () => (state.revoked = true) } };
}

const states = (entries: [string, number, boolean][]): AccessStates => new Map(entries.map(([id, version, enabled]) => [id, { version, enabled }]));

describe('LiveLogins', () => {
  it('ends the logins of a disabled partner and of an older credentials version, and no other', () => {
    const logins = new LiveLogins();
    const a = login('a', 1);
    const b = login('b', 1);
    const c = login('c', 1);
    logins.add(a.login);
    logins.add(b.login);
    logins.add(c.login);
    expect(logins.apply(states([['a', 1, false], ['b', 2, true], ['c', 1, true]]))).toHaveLength(2);
    expect([a.state.revoked, b.state.revoked, c.state.revoked]).toEqual([true, true, false]);
    expect(logins.revoked).toBe(2);
  });

  it('ends a login arriving with a version older than the states already applied', () => {
    const logins = new LiveLogins();
    logins.apply(states([['a', 2, false]]));
    const late = login('a', 1);
    logins.add(late.login);
    expect(late.state.revoked).toBe(true);
  });

  it('keeps a login made after the partner was enabled again, before the states say so', () => {
    const logins = new LiveLogins();
    // Disabled at version 2; enabled again (which raises nothing), and the login read that.
    logins.apply(states([['a', 2, false]]));
    const fresh = login('a', 2);
    logins.add(fresh.login);
    expect(fresh.state.revoked).toBe(false);
    expect(logins.apply(states([['a', 2, true]]))).toEqual([]);
  });

  it('forgets a login once its connection closed', () => {
    const logins = new LiveLogins();
    const gone = login('a', 1);
    logins.add(gone.login)();
    expect(logins.apply(states([['a', 1, false]]))).toEqual([]);
    expect(gone.state.revoked).toBe(false);
  });
});
