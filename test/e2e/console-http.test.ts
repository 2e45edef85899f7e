/**
 * The console over plain HTTP: who gets in, how sessions end, what every response carries, and
 * actions taking the CLI's way (a reprocess recorded with who and why, a partner disabled).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPassword } from '../../src/security/password.js';
import { ConsoleClient } from '../support/console-client.js';
import { TestDaemon, waitFor, type TestPartner } from '../support/daemon.js';
import { posName } from '../support/names.js';
import { batch, purchase, receiptWhen, upload } from '../support/pos-batches.js';
import { sample, scrape } from '../support/prometheus.js';

describe('the operator console over HTTP', () => {
  let daemon: TestDaemon;
  let acme: TestPartner;
  let operators: TestDaemon['operators'];
  let base: string;
  const client = () => new ConsoleClient(base);

  beforeAll(async () => {
    daemon = await TestDaemon.start({ console: { max_login_failures: 3, idle_minutes: 10 } });
    acme = await daemon.addPartner({ id: 'acme', clientId: '12' });
    operators = daemon.operators;
    const cheap = { ln: 10, r: 8, p: 1 };
    await operators.add({ name: 'alice', role: 'admin', passwordHash: await hashPassword('alice-password-1', cheap) });
    await operators.add({ name: 'olga', role: 'admin', passwordHash: await hashPassword('olga-password-1', cheap) });
    base = `http://127.0.0.1:${daemon.httpPort}`;
  });
  afterAll(() => daemon.destroy());

  it('keeps /metrics and /healthz open, and sends everyone else to the login', async () => {
    expect((await fetch(`${base}/metrics`)).status).toBe(200);
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    const page = await client().request('/console/files?state=held');
    expect([page.status, page.headers.get('location')]).toEqual([303, '/console/login?next=%2Fconsole%2Ffiles%3Fstate%3Dheld']);
    expect((await client().request('/console/today/live')).status).toBe(303);
    expect((await client().request('/console/events')).status).toBe(303);
  });

  it('logs in with a new session cookie, HttpOnly and SameSite=Strict, under a strict CSP', async () => {
    const alice = client();
    await alice.request('/console/login');
    const before = alice.cookie;
    const login = await alice.logIn('alice', 'alice-password-1', '/console/holds');
    expect([login.status, login.location]).toEqual([303, '/console/holds']);
    expect(alice.cookie).not.toBe(before);
    const today = await fetch(`${base}/console`, { headers: { cookie: alice.cookie } });
    expect(today.status).toBe(200);
    expect(today.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(today.headers.get('content-security-policy')).not.toContain('unsafe-inline');
    expect(today.headers.get('x-frame-options')).toBe('DENY');
    const fresh = await fetch(`${base}/console/login`);
    expect(fresh.headers.get('set-cookie')).toMatch(/^posdrop_console=[\w-]{43}; Max-Age=28800; Path=\/console; HttpOnly; SameSite=Strict$/);
    expect((await operators.get('alice'))?.lastLoginAt).not.toBeNull();
  });

  it('goes nowhere outside the console after login, and serves only its own assets', async () => {
    const login = await client().logIn('alice', 'alice-password-1', '//evil.example/console');
    expect(login.location).toBe('/console');
    expect((await fetch(`${base}/console/assets/htmx.min.js`)).status).toBe(200);
    expect((await fetch(`${base}/console/assets/..%2Fpackage.json`)).status).toBe(404);
  });

  it('refuses a POST without the session CSRF token', async () => {
    const alice = client();
    await alice.logIn('alice', 'alice-password-1');
    const out = await alice.request('/console/logout', { form: {} });
    expect(out.status).toBe(403);
    expect(out.text).toContain('CSRF token does not match');
    expect((await alice.request('/console')).status).toBe(200);
  });

  it('throttles failed logins per address, counts them, and refuses even the right password then', async () => {
    const before = sample(await scrape(`${base}/metrics`), 'posdrop_console_login_failures_total');
    for (let i = 0; i < 3; i += 1) {
      const failed = await client().logIn('olga', 'not-her-password');
      expect(failed.status).toBe(401);
      expect(failed.text).toContain('Wrong name or password.');
    }
    const refused = await client().logIn('olga', 'olga-password-1');
    expect(refused.status).toBe(429);
    expect(refused.text).toContain('Too many failed logins from your address');
    expect(sample(await scrape(`${base}/metrics`), 'posdrop_console_login_failures_total') - before).toBe(3);
    expect(daemon.events('console.login_failed').map((line) => line.why)).toEqual(['wrong password', 'wrong password', 'wrong password']);
    daemon.clock.advance(16 * 60_000); // past login_ban_minutes
    expect((await client().logIn('olga', 'olga-password-1')).status).toBe(303);
  });

  it('ends a session after idle_minutes, and at once when the operator is disabled', async () => {
    const alice = client();
    await alice.logIn('alice', 'alice-password-1');
    daemon.clock.advance(11 * 60_000);
    expect((await alice.request('/console')).headers.get('location')).toBe('/console/login');
    const olga = client();
    await olga.logIn('olga', 'olga-password-1');
    expect((await olga.request('/console')).status).toBe(200);
    await operators.update('olga', { enabled: false });
    expect((await olga.request('/console')).status).toBe(303);
    await operators.update('olga', { enabled: true });
  });

  it('reprocesses a file the CLI way, recorded with who and why in its history', async () => {
    const name = posName(1);
    await upload(daemon, acme, name, batch(purchase('r-1'), purchase('r-2')));
    await receiptWhen(daemon, 'acme', name, 'processed');
    await daemon.idle();
    const file = (await daemon.ledger('acme')).find((row) => row.name === name);
    const alice = client();
    await alice.logIn('alice', 'alice-password-1');
    await alice.request(`/console/files/${file?.id}/reprocess`);
    expect((await alice.post(`/console/files/${file?.id}/reprocess`, { reason: '' })).text).toContain('Say why');
    const done = await alice.post(`/console/files/${file?.id}/reprocess`, { reason: 'partner asked' });
    expect([done.status, done.headers.get('location')]).toEqual([303, `/console/files/${file?.id}`]);
    const after = await waitFor(async () => {
      const row = (await daemon.ledger('acme')).find((one) => one.id === file?.id);
      const processedTwice = (await daemon.fileEvents(file?.id ?? 0)).filter((event) => event.state === 'processed').length === 2;
      return row?.state === 'processed' && processedTwice ? row : undefined;
    });
    // The file's own stored requests are accepted again: the answer is the first run's.
    expect(after.counts).toEqual({ total: 2, accepted: 2, failed: 0, duplicates: 0 });
    expect((await daemon.fileEvents(after.id)).map((event) => event.detail)).toContain('queued again by alice in the console: partner asked');
    const page = await alice.request(`/console/files/${file?.id}`);
    expect(page.text).toContain('is queued again; the daemon processes it now');
    expect(await operators.actions(1)).toEqual([expect.objectContaining({ operator: 'alice', action: 'reprocess', target: `file ${file?.id}`, reason: 'partner asked' })]);
  });

  it('disables and enables a partner, and says why a refused action was refused', async () => {
    const alice = client();
    await alice.logIn('alice', 'alice-password-1');
    await alice.request('/console/partners/acme/disable');
    expect((await alice.post('/console/partners/acme/disable', { reason: 'contract paused' })).status).toBe(303);
    expect((await daemon.store.partners.get('acme'))?.enabled).toBe(false);
    await alice.request('/console/partners/acme/enable');
    expect((await alice.post('/console/partners/acme/enable', { reason: 'contract resumed' })).status).toBe(303);
    expect((await daemon.store.partners.get('acme'))?.enabled).toBe(true);
    const file = (await daemon.ledger('acme'))[0];
    await alice.request(`/console/files/${file?.id}/undo`);
    const refused = await alice.post(`/console/files/${file?.id}/undo`, { reason: 'try' });
    expect(refused.status).toBe(409);
    expect(refused.text).toContain('is not a Client Toolbox batch');
    expect((await operators.actions(1))[0]).toMatchObject({ action: 'undo', outcome: expect.stringMatching(/^refused: /) });
  });
});
