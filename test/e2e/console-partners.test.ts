/**
 * The console's Partners page against the running daemon: each partner's last login over SFTP
 * (ssh2's client) and the partner API (PBJ's login over HTTP), its last upload, which secrets it
 * has, its key fingerprints and channels, and per partner the charts of Today (files by state
 * of the last 24 hours, records per day for 14 days).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiBase, call, createApiKey } from '../support/api-client.js';
import { connectSftp } from '../support/clients.js';
import { ConsoleClient } from '../support/console-client.js';
import { TestDaemon, waitFor, type TestPartner } from '../support/daemon.js';
import { hashPassword } from '../../src/security/password.js';
import { posName } from '../support/names.js';
import { batch, purchase, receiptWhen, upload } from '../support/pos-batches.js';

const DAY_MS = 86_400_000;

/** The text of one partner's card on the page, tags removed (values are escaped once in the HTML). */
function card(html: string, partner: string): string {
  const start = html.indexOf(`<section class="card partner" id="partner-${partner}">`);
  expect(start, `no card for ${partner}`).toBeGreaterThanOrEqual(0);
  return html.slice(start, html.indexOf('</section>', start));
}

const text = (html: string) => html.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ');

/** One row of the card's facts: `last SFTP login` → its cell's text. */
function fact(cardHtml: string, name: string): string {
  const match = new RegExp(`<th>${name}</th><td[^>]*>([\\s\\S]*?)</td></tr>`).exec(cardHtml);
  return text(match?.[1] ?? '(missing)').trim();
}

/** The chart data the card's canvas carries. */
function chart(cardHtml: string): { days: string[]; series: { partner: string; accepted: number[]; failed: number[]; duplicates: number[] }[] } {
  const raw = /data-chart="([^"]*)"/.exec(cardHtml)?.[1] ?? '';
  return JSON.parse(raw.replaceAll('&quot;', '"').replaceAll('&#39;', "'").replaceAll('&amp;', '&')) as ReturnType<typeof chart>;
}

describe('the Partners page of the console', () => {
  let daemon: TestDaemon;
  let acme: TestPartner;
  let alice: ConsoleClient;
  let apiKey: string;

  const partnersPage = async () => {
    const page = await alice.request('/console/partners');
    expect(page.status).toBe(200);
    return page.text;
  };

  beforeAll(async () => {
    daemon = await TestDaemon.start();
    acme = await daemon.addPartner({ id: 'acme', clientId: '12', channels: ['direct-mail', 'store'], formats: ['crowdtwist-pos'] });
    await daemon.addPartner({ id: 'jumbo', formats: ['pbj-offline-sales'] });
    apiKey = await createApiKey(daemon, 'jumbo');
    const { operators } = daemon;
    await operators.add({ name: 'alice', role: 'viewer', passwordHash: await hashPassword('alice-password-1', { ln: 10, r: 8, p: 1 }) });
    alice = new ConsoleClient(`http://127.0.0.1:${daemon.httpPort}`);
    expect((await alice.logIn('alice', 'alice-password-1')).status).toBe(303);
  });
  afterAll(() => daemon.destroy());

  it('shows formats, client id, channels, key fingerprints, secrets and enabled, and no login before the first', async () => {
    const html = await partnersPage();
    const acmeCard = card(html, 'acme');
    const fingerprint = (await daemon.store.partners.keys('acme'))[0]?.fingerprint ?? '';
    expect(fingerprint).toMatch(/^SHA256:/);
    expect([fact(acmeCard, 'client id'), fact(acmeCard, 'formats'), fact(acmeCard, 'channels')]).toEqual(['12', 'crowdtwist-pos', 'direct-mail, store']);
    expect(fact(acmeCard, 'SSH keys')).toContain(fingerprint);
    expect([fact(acmeCard, 'SFTP password'), fact(acmeCard, 'API credentials')]).toEqual(['set', 'none']);
    expect(fact(card(html, 'jumbo'), 'API credentials')).toBe('API key set');
    expect(acmeCard).toContain('<span class="state state-processed">enabled</span>');
    for (const row of ['last SFTP login', 'last API login', 'last upload']) expect(fact(acmeCard, row)).toBe('never');
    expect(text(acmeCard)).toContain('Nothing received in the last 24 hours.');
    expect(html).not.toContain('scrypt');
  });

  it('records the last SFTP login and API login of each partner, never a failed one', async () => {
    const session = await connectSftp(daemon.port, acme);
    session.end();
    const login = await call(`${apiBase(daemon)}/api-admin/login`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ username: 'jumbo', password: apiKey }),
    });
    expect(login.status).toBe(200);
    const html = await waitFor(async () => {
      const page = await partnersPage();
      return fact(card(page, 'acme'), 'last SFTP login') !== 'never' && fact(card(page, 'jumbo'), 'last API login') !== 'never' ? page : undefined;
    });
    const today = daemon.clock.now().toISOString().slice(0, 10);
    expect(fact(card(html, 'acme'), 'last SFTP login')).toMatch(new RegExp(`^${today} \\d\\d:\\d\\d:\\d\\d \\(0 min ago\\) from 127\\.0\\.0\\.1$`));
    expect(fact(card(html, 'acme'), 'last API login')).toBe('never');
    expect(fact(card(html, 'jumbo'), 'last API login')).toMatch(/ from 127\.0\.0\.1$/);
    expect(fact(card(html, 'jumbo'), 'last SFTP login')).toBe('never');

    // Later, a refused password changes nothing; the next good login is the last one.
    const first = fact(card(html, 'acme'), 'last SFTP login');
    daemon.clock.advance(5 * 60_000);
    await expect(connectSftp(daemon.port, acme, { password: 'wrong-password', privateKey: undefined })).rejects.toThrow();
    expect(fact(card(await partnersPage(), 'acme'), 'last SFTP login')).toBe(first.replace('(0 min ago)', '(5 min ago)'));
    (await connectSftp(daemon.port, acme, { password: acme.password })).end();
    await waitFor(async () => (fact(card(await partnersPage(), 'acme'), 'last SFTP login').includes('(0 min ago)') ? true : undefined));
  });

  it("shows the last upload and, per partner, Today's charts: files by state of 24 h, records per day of 14 days", async () => {
    const good = posName(1);
    await upload(daemon, acme, good, batch(purchase('p-1'), purchase('p-2'), purchase('bad-1', { user_id: 'not a number' })));
    await receiptWhen(daemon, 'acme', good, 'processed');
    const held = posName(3);
    await upload(daemon, acme, held, batch(purchase('p-3')));
    await receiptWhen(daemon, 'acme', held, 'held');
    const received = (await daemon.ledger('acme')).find((row) => row.name === held)?.receivedAt ?? '';

    let acmeCard = card(await partnersPage(), 'acme');
    expect(fact(acmeCard, 'last upload')).toBe(`${received.slice(0, 19).replace('T', ' ')} (0 min ago)`);
    expect(fact(acmeCard, 'files')).toBe('2');
    const states = /<table class="numbers states-24h">([\s\S]*?)<\/table>/.exec(acmeCard)?.[1] ?? '';
    const header = [...states.matchAll(/<th>(\w+)<\/th>/g)].map((m) => m[1]);
    const cells = [...states.matchAll(/<td>([\s\S]*?)<\/td>/g)].map((m) => text(m[1] ?? '').trim());
    expect(Object.fromEntries(header.map((state, i) => [state, cells[i]]))).toMatchObject({ processed: '1', held: '1', rejected: '0', queued: '0' });
    expect(states).toContain(`/console/files?partner=acme&amp;state=held`);
    const today = daemon.clock.now().toISOString().slice(0, 10);
    const records = chart(acmeCard);
    expect(records.days).toHaveLength(14);
    expect(records.days.at(-1)).toBe(today);
    expect(records.series).toEqual([{ partner: 'acme', accepted: [...Array(13).fill(0), 2], failed: [...Array(13).fill(0), 1], duplicates: Array(14).fill(0) }]);
    expect(chart(card(await partnersPage(), 'jumbo')).series).toEqual([]);
    // The records table beside the chart (for a reader without JavaScript) says the same.
    expect(text(acmeCard)).toMatch(new RegExp(`${today} 2 1 0`));

    // A day later the files are out of the 24 hours but still in the 14 days.
    daemon.clock.advance(DAY_MS + 60_000);
    await alice.logIn('alice', 'alice-password-1'); // the session of yesterday has ended
    acmeCard = card(await partnersPage(), 'acme');
    expect(text(acmeCard)).toContain('Nothing received in the last 24 hours.');
    expect(chart(acmeCard).series[0]?.accepted.slice(-2)).toEqual([2, 0]);
    expect(fact(acmeCard, 'last upload')).toMatch(/\(24 h 1 min ago\)$/);
  });
});
