/**
 * Debian's Chromium, driven by playwright-core: nothing downloads a browser. Without
 * /usr/bin/chromium the browser suites skip, and say so on stderr.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';

/** Whether the browser is there; if not, says once why its tests are skipped. */
export function haveChromium(suite: string): boolean {
  if (existsSync(CHROMIUM)) return true;
  process.stderr.write(`\n*** ${suite}: SKIPPED, ${CHROMIUM} is missing (apt-get install chromium; .ci/run installs it) ***\n\n`);
  return false;
}

const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** A browser with a fresh profile, 1280×800 (JavaScript off if asked); `close` also deletes the profile. */
export async function openBrowser(options: { javaScript?: boolean } = {}): Promise<{ context: BrowserContext; close: () => Promise<void> }> {
  const profile = await mkdtemp(path.join(tmpdir(), 'posdrop-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: FLAGS,
    viewport: { width: 1280, height: 800 },
    acceptDownloads: true,
    javaScriptEnabled: options.javaScript ?? true,
  });
  return {
    context,
    close: async () => {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}
