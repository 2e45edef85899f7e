/**
 * The partner API listener itself: where and how it listens, its answers to requests no endpoint
 * takes, the caps on requests in progress, and failed logins counted with SFTP's.
 */
import { execFileSync } from 'node:child_process';
import http from 'node:http';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configSchema } from '../../src/config/schema.js';
import { apiBase, call, createApiKey, shell } from '../support/api-client.js';
import { sftpBatch } from '../support/clients.js';
import { TestDaemon, waitFor, type TestPartner } from '../support/daemon.js';

const json = { 'Content-Type': 'application/json' };

/** A multipart upload whose body is begun and never finished: the request stays in progress. */
function openUpload(port: number, token: string): { request: http.ClientRequest; closed: Promise<void> } {
  const boundary = 'posdrop-boundary';
  const request = http.request({
    host: '127.0.0.1',
    port,
    method: 'POST',
    path: '/bulk-sales/files',
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': `multipart/form-data; boundary=${boundary}`, 'Transfer-Encoding': 'chunked' },
  });
  const closed = new Promise<void>((resolve) => {
    request.on('error', () => resolve());
    request.on('close', () => resolve());
  });
  request.write(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="direct-mail_20-04-2020_5.csv"\r\nContent-Type: text/csv\r\n\r\nORDER_ID,`);
  return { request, closed };
}

describe('the partner API listener', () => {
  let daemon: TestDaemon;
  let jumbo: TestPartner;
  let key: string;

  beforeAll(async () => {
    daemon = await TestDaemon.start({ api: { max_requests_per_partner: 1 }, sftp: { ban_threshold: 4 } });
    jumbo = await daemon.addPartner({ id: 'jumbo', formats: ['pbj-offline-sales'] });
    key = await createApiKey(daemon, 'jumbo');
  });
  afterAll(() => daemon.destroy());

  const token = async () => {
    const answer = await call(`${apiBase(daemon)}/api-admin/login`, { method: 'POST', headers: json, body: JSON.stringify({ username: 'jumbo', password: key }) });
    return (answer.json() as { result: { access_token: string } }).result.access_token;
  };

  it('answers an unknown path 404 and a wrong method 405, in JSON, with no trace of the server inside', async () => {
    const missing = await call(`${apiBase(daemon)}/etc/passwd`);
    expect([missing.status, missing.type, missing.json()]).toEqual([404, 'application/json; charset=utf-8', { error: { code: 404, message: 'no such endpoint: GET /etc/passwd' } }]);
    const method = await call(`${apiBase(daemon)}/bulk-sales/files`);
    expect(method.status).toBe(405);
    expect(method.headers.get('allow')).toBe('POST');
    expect(method.json()).toEqual({ error: { code: 405, message: 'GET is not allowed on /bulk-sales/files; use POST' } });
    const garbage = await call(`${apiBase(daemon)}/api-admin/login`, { method: 'POST', headers: json, body: '{"username": ' });
    expect([garbage.status, garbage.json()]).toEqual([400, { error: { code: 400, message: 'the body is not valid JSON' } }]);
    for (const answer of [missing, method, garbage]) {
      expect(answer.text).not.toMatch(/at .*\.(js|ts):\d+|node_modules|\/work\//);
      expect(answer.headers.get('x-content-type-options')).toBe('nosniff');
    }
  });

  it('caps requests of one partner in progress, and an aborted upload leaves nothing behind', async () => {
    const access = await token();
    const held = openUpload(daemon.apiPort, access);
    await waitFor(() => daemon.events('api.login').length > 0 && daemon.deliverySpool('jumbo').then((names) => names.length === 1));
    const second = await call(`${apiBase(daemon)}/bulk-sales/files`, { method: 'POST', headers: { Authorization: `Bearer ${access}` }, body: new FormData() });
    expect([second.status, second.json()]).toEqual([429, { error: { code: 429, message: 'at most 1 requests of one partner at a time' } }]);
    held.request.destroy();
    await held.closed;
    await waitFor(async () => (await daemon.deliverySpool('jumbo')).length === 0);
    expect(await daemon.folder('jumbo', 'inbox')).toEqual([]);
    expect(await daemon.ledger('jumbo')).toEqual([]);
  });

  it('counts failed API logins in the defender SFTP uses: the address is banned for both', async () => {
    const before = daemon.app.running.sftp.stats().failedLogins;
    for (let attempt = 0; attempt < 4; attempt += 1) {
      const wrong = await call(`${apiBase(daemon)}/api-admin/login`, { method: 'POST', headers: json, body: JSON.stringify({ username: 'jumbo', password: 'guess' }) });
      expect(wrong.status).toBe(401);
    }
    expect(daemon.app.running.sftp.stats().failedLogins).toBe(before + 4);
    const banned = await call(`${apiBase(daemon)}/api-admin/login`, { method: 'POST', headers: json, body: JSON.stringify({ username: 'jumbo', password: key }) });
    expect(banned.status).toBe(403);
    const sftp = await sftpBatch(daemon.port, jumbo, ['ls /'], { auth: 'password' });
    expect(sftp.code).not.toBe(0);
  });
});

describe('where the listener may listen', () => {
  it('refuses plain HTTP on an address others reach, unless a TLS-terminating proxy is named', () => {
    expect(() => configSchema.parse({ api: { host: '0.0.0.0' } })).toThrow(/0\.0\.0\.0 is not loopback: give api\.cert and api\.key for HTTPS, or set api\.trusted_proxy/);
    expect(configSchema.parse({ api: { host: '0.0.0.0', trusted_proxy: '10.0.0.5' } }).api.trusted_proxy).toBe('10.0.0.5');
    expect(configSchema.parse({ api: { host: '0.0.0.0', enabled: false } }).api.enabled).toBe(false);
    expect(() => configSchema.parse({ api: { cert: '/etc/posdrop/api.pem' } })).toThrow(/cert and key go together/);
  });

  it('serves HTTPS with cert and key, TLS 1.2 or later only', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'posdrop-tls-'));
    const cert = path.join(dir, 'cert.pem');
    const keyFile = path.join(dir, 'key.pem');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', keyFile, '-out', cert, '-days', '2', '-subj', '/CN=localhost'], { stdio: 'ignore' });
    const daemon = await TestDaemon.start({ api: { cert, key: keyFile, host: '0.0.0.0' } });
    try {
      const url = `https://127.0.0.1:${daemon.apiPort}/nothing`;
      const tls12 = await shell(`curl -s -k --tlsv1.2 --tls-max 1.2 -o /dev/null -w '%{http_code}' ${url}`, dir);
      expect(tls12.stdout).toBe('404');
      const tls11 = await shell(`curl -s -k --tlsv1.1 --tls-max 1.1 -o /dev/null -w '%{http_code}' ${url}`, dir);
      expect(tls11.code).not.toBe(0);
      const plain = await shell(`curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:${daemon.apiPort}/nothing`, dir);
      expect(plain.stdout).not.toBe('404');
    } finally {
      await daemon.destroy();
    }
  });

  it('believes X-Forwarded-For only from the configured proxy', async () => {
    for (const [trusted, expected] of [['127.0.0.1', '203.0.113.9'], ['', '127.0.0.1']] as const) {
      const daemon = await TestDaemon.start({ api: { trusted_proxy: trusted } });
      try {
        await call(`${apiBase(daemon)}/api-admin/login`, {
          method: 'POST',
          headers: { ...json, 'X-Forwarded-For': '203.0.113.9' },
          body: JSON.stringify({ username: 'nobody', password: 'x' }),
        });
        expect(daemon.events('api.login_failed').map((line) => line.address)).toEqual([expected]);
      } finally {
        await daemon.destroy();
      }
    }
  });
});
