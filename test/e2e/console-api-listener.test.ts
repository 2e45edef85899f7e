/**
 * The console on the partner API listener (`api.console: true`), over its HTTPS with a
 * self-signed certificate that the client verifies: the same login, sessions, CSRF and CSP as
 * on the operations listener, which keeps serving it; live streams that hold no partner's
 * request slot; and behind a trusted proxy, the operator's own address in the login throttle.
 */
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import https from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPassword } from '../../src/security/password.js';
import { apiBase, call, createApiKey } from '../support/api-client.js';
import { ConsoleClient } from '../support/console-client.js';
import { TestDaemon } from '../support/daemon.js';

const CHEAP = { ln: 10, r: 8, p: 1 };

async function addOperators(daemon: TestDaemon): Promise<void> {
  const { operators } = daemon;
  await operators.add({ name: 'alice', role: 'admin', passwordHash: await hashPassword('alice-password-1', CHEAP) });
  await operators.add({ name: 'victor', role: 'viewer', passwordHash: await hashPassword('victor-password-1', CHEAP) });
}

/** Opens the console's event stream over HTTPS and resolves with its status and type once the headers came. */
function openStream(url: string, cookie: string, ca: string): Promise<{ status: number; type: string; close: () => void }> {
  return new Promise((resolve, reject) => {
    const request = https.get(url, { headers: { cookie }, ca, servername: 'localhost' }, (response) => {
      resolve({ status: response.statusCode ?? 0, type: String(response.headers['content-type']), close: () => request.destroy() });
    });
    request.on('error', reject);
  });
}

describe('the console on the partner API listener, over HTTPS', () => {
  let dir: string;
  let ca: string;
  let daemon: TestDaemon;
  let base: string;
  const streams: { close: () => void }[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'posdrop-console-tls-'));
    const cert = path.join(dir, 'cert.pem');
    const key = path.join(dir, 'key.pem');
    execFileSync(
      'openssl',
      ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', key, '-out', cert, '-days', '2', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost'],
      { stdio: 'ignore' },
    );
    ca = await readFile(cert, 'utf8');
    daemon = await TestDaemon.start({ api: { cert, key, host: '0.0.0.0', console: true, max_requests: 2 }, console: { max_login_failures: 3 } });
    await addOperators(daemon);
    base = `https://127.0.0.1:${daemon.apiPort}`;
  });
  afterAll(async () => {
    for (const stream of streams) stream.close();
    await daemon?.destroy();
    await rm(dir, { recursive: true, force: true });
  });

  it('logs in over HTTPS with a Secure, HttpOnly, SameSite=Strict cookie and serves pages under the strict CSP', async () => {
    const alice = new ConsoleClient(base, { ca });
    const form = await alice.request('/console/login');
    expect(form.status).toBe(200);
    expect(form.headers.get('set-cookie')).toMatch(/^posdrop_console=[\w-]{43}; Max-Age=28800; Path=\/console; HttpOnly; Secure; SameSite=Strict$/);
    const login = await alice.logIn('alice', 'alice-password-1', '/console/partners');
    expect([login.status, login.location]).toEqual([303, '/console/partners']);
    const partners = await alice.request('/console/partners');
    expect(partners.status).toBe(200);
    expect(partners.text).toContain('<h1>Partners</h1>');
    expect(partners.headers.get('content-security-policy')).toBe(
      "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    );
    expect(partners.headers.get('x-frame-options')).toBe('DENY');
    expect((await alice.request('/console/assets/chart.umd.min.js')).status).toBe(200);
    expect(daemon.events('api.listening')).toEqual([expect.objectContaining({ scheme: 'https', console: true })]);
  });

  it('refuses a forged CSRF token, a viewer an action, and anyone without a login', async () => {
    const victor = new ConsoleClient(base, { ca });
    await victor.logIn('victor', 'victor-password-1');
    const forged = await victor.request('/console/logout', { form: { _csrf: 'forged-token' } });
    expect(forged.status).toBe(403);
    expect(forged.text).toContain('CSRF token does not match');
    expect((await victor.post('/console/partners/nobody/disable', { reason: 'try' })).status).toBe(403);
    const anonymous = await new ConsoleClient(base, { ca }).request('/console/files');
    expect([anonymous.status, anonymous.headers.get('location')]).toEqual([303, '/console/login?next=%2Fconsole%2Ffiles']);
  });

  it('shares its sessions with the operations listener, which keeps serving the console, /metrics and /healthz', async () => {
    const alice = new ConsoleClient(base, { ca });
    await alice.logIn('alice', 'alice-password-1');
    const ops = new ConsoleClient(`http://127.0.0.1:${daemon.httpPort}`);
    ops.cookie = alice.cookie;
    expect((await ops.request('/console')).status).toBe(200);
    expect((await fetch(`http://127.0.0.1:${daemon.httpPort}/metrics`)).status).toBe(200);
    expect((await fetch(`http://127.0.0.1:${daemon.httpPort}/healthz`)).status).toBe(200);
  });

  it('keeps live streams out of the partners’ request slots', async () => {
    const alice = new ConsoleClient(base, { ca });
    await alice.logIn('alice', 'alice-password-1');
    for (let i = 0; i < 3; i += 1) {
      const stream = await openStream(`${base}/console/events`, alice.cookie, ca);
      streams.push(stream);
      expect([stream.status, stream.type]).toEqual([200, 'text/event-stream; charset=utf-8']);
    }
    // api.max_requests is 2: with three streams open, a partner's request is still answered.
    const answer = await new Promise<number>((resolve, reject) => {
      https.get(`${base}/nothing`, { ca, servername: 'localhost' }, (response) => resolve(response.statusCode ?? 0)).on('error', reject);
    });
    expect(answer).toBe(404);
  });

  it('lets in operators only: a partner’s own password is refused', async () => {
    const acme = await daemon.addPartner({ id: 'acme' });
    const refused = await new ConsoleClient(base, { ca }).logIn('acme', acme.password);
    expect([refused.status, refused.text.includes('Wrong name or password.')]).toEqual([401, true]);
  });

  it('counts failed console logins apart from partner logins, per address', async () => {
    // One failure already, the partner's password above: two more block the address.
    for (let i = 0; i < 2; i += 1) expect((await new ConsoleClient(base, { ca }).logIn('alice', 'wrong')).status).toBe(401);
    expect((await new ConsoleClient(base, { ca }).logIn('alice', 'alice-password-1')).status).toBe(429);
    expect(daemon.events('console.login_failed').map((line) => [line.address, line.why])).toEqual([
      ['127.0.0.1', 'unknown operator'],
      ['127.0.0.1', 'wrong password'],
      ['127.0.0.1', 'wrong password'],
    ]);
    // The partner API's own logins are judged by the partners' defender, which saw none of these.
    const key = await createApiKey(daemon, 'acme');
    const status = await new Promise<number>((resolve, reject) => {
      const request = https.request(`${base}/api-admin/login`, { method: 'POST', ca, servername: 'localhost', headers: { 'content-type': 'application/json' } }, (response) => {
        response.resume();
        resolve(response.statusCode ?? 0);
      });
      request.on('error', reject);
      request.end(JSON.stringify({ username: 'acme', password: key }));
    });
    expect(status).toBe(200);
  });
});

describe('the console and the partner API listener, other settings', () => {
  it('is not on the partner API listener unless api.console says so', async () => {
    const daemon = await TestDaemon.start();
    try {
      const answer = await call(`${apiBase(daemon)}/console/login`, {});
      expect(answer.status).toBe(404);
      expect((await fetch(`http://127.0.0.1:${daemon.httpPort}/console/login`)).status).toBe(200);
    } finally {
      await daemon.destroy();
    }
  });

  it('takes api.console at a reload: the API listener listens anew, with or without the console', async () => {
    const daemon = await TestDaemon.start();
    const loginPage = () => fetch(`http://127.0.0.1:${daemon.app.running.api.address?.port}/console/login`).then((answer) => answer.status);
    try {
      expect(await loginPage()).toBe(404);
      const next = structuredClone(daemon.config);
      next.api.console = true;
      expect((await daemon.app.reload(next)).live).toEqual(['api.console']);
      expect(await loginPage()).toBe(200);
      next.api.console = false;
      await daemon.app.reload(structuredClone(next));
      expect(await loginPage()).toBe(404);
    } finally {
      await daemon.destroy();
    }
  });

  it('behind the trusted proxy, throttles the operator’s address from X-Forwarded-For and sets Secure for X-Forwarded-Proto https', async () => {
    const daemon = await TestDaemon.start({ api: { console: true, trusted_proxy: '127.0.0.1' }, console: { max_login_failures: 2 } });
    try {
      await addOperators(daemon);
      const viaProxy = (address: string) => ({ 'x-forwarded-for': address, 'x-forwarded-proto': 'https' });
      const form = await fetch(`${apiBase(daemon)}/console/login`, { headers: viaProxy('203.0.113.9') });
      expect(form.headers.get('set-cookie')).toContain('; Secure;');
      const login = async (address: string, password: string) => {
        const page = await fetch(`${apiBase(daemon)}/console/login`, { headers: viaProxy(address) });
        const cookie = (page.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
        const csrf = /name="_csrf" value="([^"]+)"/.exec(await page.text())?.[1] ?? '';
        const body = new URLSearchParams({ _csrf: csrf, name: 'alice', password }).toString();
        const answer = await fetch(`${apiBase(daemon)}/console/login`, {
          method: 'POST',
          redirect: 'manual',
          headers: { ...viaProxy(address), cookie, 'content-type': 'application/x-www-form-urlencoded' },
          body,
        });
        return answer.status;
      };
      expect([await login('203.0.113.9', 'wrong'), await login('203.0.113.9', 'wrong')]).toEqual([401, 401]);
      expect(await login('203.0.113.9', 'alice-password-1')).toBe(429);
      // Another operator behind the same proxy is not locked out by the first one's failures.
      expect(await login('198.51.100.7', 'alice-password-1')).toBe(303);
      expect(daemon.events('console.login_failed').map((line) => line.address)).toEqual(['203.0.113.9', '203.0.113.9']);
    } finally {
      await daemon.destroy();
    }
  });
});
