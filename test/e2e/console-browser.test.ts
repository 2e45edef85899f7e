/**
 * The operator console in a real browser (Debian's Chromium) against the running daemon: a file
 * uploaded over SFTP appears live, its errors and error log, a released hold processed, the
 * viewer's and a forged form's refusals, partner-controlled text shown as text. Screenshots of
 * every page go to test-results/console/.
 */
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPassword } from '../../src/security/password.js';
import { haveChromium, openBrowser } from '../support/browser.js';
import { connectSftp, sftpCall } from '../support/clients.js';
import { TestDaemon, type TestPartner } from '../support/daemon.js';
import { posName } from '../support/names.js';
import { batch, purchase, receiptWhen, upload } from '../support/pos-batches.js';

const SHOTS = path.resolve(import.meta.dirname, '../../test-results/console');
const HOSTILE_NAME = '<img src=x onerror=alert(1)>.csv';

describe.skipIf(!haveChromium('console in a browser'))('the operator console in a browser', () => {
  let daemon: TestDaemon;
  let acme: TestPartner;
  let context: BrowserContext;
  let close: () => Promise<void>;
  let page: Page;
  const dialogs: string[] = [];
  const cspErrors: string[] = [];
  let base: string;

  const shot = (name: string) => page.screenshot({ path: path.join(SHOTS, `${name}.png`) });

  async function logIn(name: string, password: string): Promise<void> {
    await page.goto(`${base}/console`);
    await expect.poll(() => page.url()).toContain('/console/login');
    await page.getByLabel('Operator').fill(name);
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('heading', { name: 'Today' }).waitFor();
  }

  beforeAll(async () => {
    await mkdir(SHOTS, { recursive: true });
    daemon = await TestDaemon.start();
    acme = await daemon.addPartner({ id: 'acme', clientId: '12', channels: ['direct-mail'] });
    const { operators } = daemon;
    const cheap = { ln: 10, r: 8, p: 1 };
    await operators.add({ name: 'alice', role: 'admin', passwordHash: await hashPassword('alice-password-1', cheap) });
    await operators.add({ name: 'victor', role: 'viewer', passwordHash: await hashPassword('victor-password-1', cheap) });
    base = `http://127.0.0.1:${daemon.httpPort}`;
    ({ context, close } = await openBrowser());
    page = context.pages()[0] ?? (await context.newPage());
    page.on('dialog', (dialog) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });
    page.on('console', (message) => {
      if (/Content Security Policy|Refused to/i.test(message.text())) cspErrors.push(`${message.text()} at ${JSON.stringify(message.location())}`);
    });
  });
  afterAll(async () => {
    await close?.();
    await daemon?.destroy();
  });

  it('logs in, and shows an upload live, its errors and its error log', async () => {
    await page.goto(`${base}/console/login`);
    await shot('login');
    const stream = page.waitForResponse((response) => response.url().endsWith('/console/events'));
    await logIn('alice', 'alice-password-1');
    expect((await stream).headers()['content-type']).toBe('text/event-stream; charset=utf-8');
    // Live: the page is not loaded again while the file arrives and is processed.
    let loads = 0;
    page.on('load', () => (loads += 1));
    await page.locator('#live[hx-trigger]').waitFor();
    const name = posName(1);
    await upload(daemon, acme, name, batch(purchase('good-1'), purchase('bad-1', { user_id: '<script>' })));
    const row = page.locator('#live tr', { hasText: name });
    await row.locator('.state-processed').waitFor({ timeout: 30_000 });
    expect(loads).toBe(0);
    await expect.poll(() => page.locator('canvas[data-drawn="yes"]').count()).toBe(1);

    await row.getByRole('link', { name }).click();
    await page.getByRole('heading', { name: 'Record errors' }).waitFor();
    const error = page.locator('table.errors tr', { hasText: 'invalid_type' });
    expect(await error.locator('td.value').innerText()).toContain('<script>');
    expect(await page.locator('main script').count()).toBe(0);
    await shot('file');

    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: /^error log/ }).click()]);
    expect(download.suggestedFilename()).toBe(`${name}.errors.json`);
    const log = JSON.parse(await readFile((await download.path()) as string, 'utf8')) as { failed_requests: { receipt_id: string }[] };
    expect(log.failed_requests.map((one) => one.receipt_id)).toEqual(['bad-1']);
  });

  it('shows a partner-controlled name and value as text, never as markup', async () => {
    const session = await connectSftp(daemon.port, acme);
    try {
      await sftpCall.writeFile(session.sftp, `/inbox/${HOSTILE_NAME}`, 'a,b\n1,2\n');
    } finally {
      session.end();
    }
    await receiptWhen(daemon, 'acme', HOSTILE_NAME, 'rejected');
    await page.goto(`${base}/console`);
    await page.locator('#live').getByText(HOSTILE_NAME).first().waitFor();
    expect(await page.locator('main img').count()).toBe(0);
    await page.goto(`${base}/console/files?name=${encodeURIComponent('onerror')}`);
    await page.getByRole('link', { name: HOSTILE_NAME }).click();
    expect(await page.locator('h1').innerText()).toBe(HOSTILE_NAME);
    expect(await page.locator('main img').count()).toBe(0);
    expect(dialogs).toEqual([]);
  });

  it('releases a hold, and the held file is processed', async () => {
    const held = posName(3);
    await upload(daemon, acme, held, batch(purchase('later-1')));
    await receiptWhen(daemon, 'acme', held, 'held');
    await page.goto(`${base}/console/holds`);
    await page.getByRole('link', { name: held }).waitFor();
    await shot('holds');
    await page.getByRole('link', { name: /^Release through 0002/ }).click();
    await shot('confirm');
    await page.getByLabel(/^Why/).fill('0002 was never sent; the partner confirmed');
    await page.getByRole('button', { name: 'Confirm' }).click();
    await page.locator('.flash', { hasText: `released ${held}` }).waitFor();
    await receiptWhen(daemon, 'acme', held, 'processed');
    await page.goto(`${base}/console/files?state=processed&partner=acme`);
    await page.getByRole('link', { name: held }).click();
    await page.locator('.sub .state-processed').waitFor();
    expect(await page.locator('.timeline').innerText()).toContain('released: alice skipped 0002–0002 (0002 was never sent; the partner confirmed)');
  });

  it('shows the files and partners pages', async () => {
    await page.goto(`${base}/console/files?partner=acme`);
    expect(await page.locator('table.files tr[data-file]').count()).toBe(3);
    await shot('files');
    await page.goto(`${base}/console/partners`);
    await page.getByText('0002 was never sent; the partner confirmed').first().waitFor();
    await expect.poll(() => page.locator('canvas[data-drawn="yes"]').count()).toBe(1);
    expect(await page.locator('#partner-acme .login-sftp').innerText()).toMatch(/ from 127\.0\.0\.1$/);
    expect(await page.locator('#partner-acme table.states-24h').innerText()).toMatch(/processed\s+rejected\s+failed\s+0\s+0\s+0\s+0\s+2\s+1\s+0$/);
    await shot('partners');
    await page.goto(`${base}/console`);
    await expect.poll(() => page.locator('canvas[data-drawn="yes"]').count()).toBe(1);
    await shot('today');
  });

  it('refuses a forged CSRF token', async () => {
    const file = (await daemon.ledger('acme')).find((row) => row.name === posName(1));
    await page.goto(`${base}/console/files/${file?.id}/reprocess`);
    await page.locator('main input[name="_csrf"]').evaluate((input) => ((input as unknown as { value: string }).value = 'forged-token'));
    await page.getByLabel(/^Why/).fill('a test');
    await page.getByRole('button', { name: 'Confirm' }).click();
    await page.getByText(/CSRF token does not match/).waitFor();
    expect((await daemon.ledger('acme')).find((row) => row.id === file?.id)?.state).toBe('processed');
  });

  it('logs out, and a viewer is refused an action', async () => {
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.getByRole('heading', { name: 'posdrop console' }).waitFor();
    await page.goto(`${base}/console/files`);
    expect(page.url()).toContain('/console/login');

    await logIn('victor', 'victor-password-1');
    const file = (await daemon.ledger('acme')).find((row) => row.name === posName(1));
    await page.goto(`${base}/console/files/${file?.id}`);
    expect(await page.getByRole('link', { name: /Process again/ }).count()).toBe(0);
    const refused = await page.goto(`${base}/console/files/${file?.id}/reprocess`);
    expect(refused?.status()).toBe(403);
    await page.getByText('victor is a viewer: only an admin may do this.').waitFor();
    // Even with the session's own token, the form is refused.
    await page.goto(`${base}/console/files/${file?.id}`);
    const csrf = await page.locator('input[name="_csrf"]').first().getAttribute('value');
    const posted = await page.request.post(`${base}/console/files/${file?.id}/reprocess`, { form: { _csrf: csrf ?? '', reason: 'viewer tries' } });
    expect(posted.status()).toBe(403);
    expect((await daemon.ledger('acme')).find((row) => row.id === file?.id)?.state).toBe('processed');
    expect(cspErrors.join("\n")).toBe("");
  });

  it('works with JavaScript off: pages, filters, error pages and an action', async () => {
    const plain = await openBrowser({ javaScript: false });
    try {
      const tab = plain.context.pages()[0] ?? (await plain.context.newPage());
      await tab.goto(`${base}/console`);
      await tab.getByLabel('Operator').fill('alice');
      await tab.getByLabel('Password').fill('alice-password-1');
      await tab.getByRole('button', { name: 'Log in' }).click();
      await tab.getByRole('heading', { name: 'Today' }).waitFor();
      await tab.getByText('As a table').click();
      expect(await tab.locator('details table.numbers').innerText()).toContain('acme');
      await tab.getByRole('link', { name: 'Files', exact: true }).click();
      await tab.getByLabel('State').selectOption('rejected');
      await tab.getByRole('button', { name: 'Filter' }).click();
      expect(await tab.locator('table.files tr[data-file]').count()).toBe(1);
      const file = (await daemon.ledger('acme')).find((row) => row.name === posName(1));
      await tab.goto(`${base}/console/files/${file?.id}`);
      await tab.getByLabel('Code').selectOption('invalid_type');
      await tab.getByRole('button', { name: 'Show' }).click();
      expect(tab.url()).toContain('code=invalid_type');
      expect(await tab.locator('table.errors tr').count()).toBe(2);
      await tab.getByRole('link', { name: /Process again/ }).click();
      await tab.getByLabel(/^Why/).fill('checking the fix');
      await tab.getByRole('button', { name: 'Confirm' }).click();
      await tab.locator('.flash', { hasText: 'is queued again' }).waitFor();
    } finally {
      await plain.close();
    }
  });

  it('shows a file go held → queued → processed live, with no reload', async () => {
    await page.goto(`${base}/console`);
    await page.locator('#live[hx-trigger]').waitFor();
    let loads = 0;
    page.on('load', () => (loads += 1));
    const later = posName(5);
    await upload(daemon, acme, later, batch(purchase('live-5')));
    const row = page.locator('#live tr', { hasText: later });
    await row.locator('.state-held').waitFor({ timeout: 30_000 });
    await upload(daemon, acme, posName(4), batch(purchase('live-4')));
    await row.locator('.state-processed').waitFor({ timeout: 30_000 });
    expect(loads).toBe(0);
    const states = (await daemon.fileEvents((await daemon.ledger('acme')).find((file) => file.name === later)?.id ?? 0)).map((event) => event.state);
    expect(states.slice(-4)).toEqual(['held', 'queued', 'processing', 'processed']);
  });
});
