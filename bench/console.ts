/**
 * `npm run bench console`: how long the console's pages take to answer on a large ledger (100,000
 * files, 1,000,000 record errors), read through the real daemon (`posdrop serve`) over loopback,
 * logged in as an operator. Each page is asked for repeatedly; median and worst are printed
 * against the goal of 200 ms.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { buildLedger } from './console-ledger.js';
import type { BenchSection } from './sections.js';
import { median, startDaemon } from './support/processes.js';

const FILES = 100_000;
const RECORD_ERRORS = 1_000_000;
const ROUNDS = 15;
const GOAL_MS = 200;

/** A logged-in operator's cookie. */
async function logIn(base: string): Promise<string> {
  const form = await fetch(`${base}/console/login`);
  const cookie = (form.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
  const csrf = /name="_csrf" value="([^"]+)"/.exec(await form.text())?.[1] ?? '';
  const answer = await fetch(`${base}/console/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ _csrf: csrf, name: 'bench', password: 'bench-operator-1' }).toString(),
  });
  if (answer.status !== 303) throw new Error(`login failed: ${answer.status}`);
  return (answer.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
}

/** Milliseconds of each of ROUNDS requests of `url` (after one to warm up). */
async function time(url: string, cookie: string): Promise<number[]> {
  const times: number[] = [];
  for (let round = 0; round <= ROUNDS; round += 1) {
    const started = performance.now();
    const response = await fetch(url, { headers: { cookie } });
    await response.arrayBuffer();
    if (response.status !== 200) throw new Error(`${url}: ${response.status}`);
    if (round > 0) times.push(performance.now() - started);
  }
  return times;
}

export const consoleSection: BenchSection = {
  name: 'console',
  title: `console pages on ${FILES.toLocaleString('en-US')} files and ${RECORD_ERRORS.toLocaleString('en-US')} record errors (goal < ${GOAL_MS} ms)`,
  async run() {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'posdrop-bench-console-'));
    try {
      const started = performance.now();
      const ledger = await buildLedger(dataDir, { files: FILES, recordErrors: RECORD_ERRORS }, new Date());
      process.stdout.write(`ledger written in ${((performance.now() - started) / 1000).toFixed(1)} s; the heaviest file has ${ledger.heavyErrors.toLocaleString('en-US')} errors\n\n`);
      const daemon = await startDaemon({ dataDir });
      try {
        const { http } = JSON.parse(readFileSync(path.join(dataDir, 'daemon.json'), 'utf8')) as { http: { port: number } };
        const base = `http://127.0.0.1:${http.port}`;
        const cookie = await logIn(base);
        const deep = `after=${Math.floor(ledger.heavyErrors * 0.9)}:${Math.floor(ledger.heavyErrors * 0.9)}`;
        const pages: [string, string][] = [
          ['Today', '/console'],
          ['Today, live part', '/console/today/live'],
          ['Files, first page', '/console/files'],
          ['Files, a page halfway down', `/console/files?before=${ledger.middleFile}`],
          ['Files, processed', '/console/files?state=processed'],
          ['Files, one partner rejected', '/console/files?partner=corex&state=rejected'],
          ['Files, name contains', '/console/files?name=store42.json'],
          ['Files, a date range', '/console/files?from=2026-01-01&to=2099-12-31&partner=beta'],
          ['A file, 50,000 errors', `/console/files/${ledger.heavyFile}`],
          ['  its errors of a rare code', `/console/files/${ledger.heavyFile}?code=unsafe_integer`],
          ['  its errors, deep page', `/console/files/${ledger.heavyFile}?${deep}`],
          ['Holds', '/console/holds'],
          ['Partners', '/console/partners'],
        ];
        const width = Math.max(...pages.map(([label]) => label.length));
        process.stdout.write(`| ${'page'.padEnd(width)} | median ms | worst ms | goal |\n| ${'-'.repeat(width)} | ---: | ---: | --- |\n`);
        for (const [label, url] of pages) {
          const times = await time(`${base}${url}`, cookie);
          const worst = Math.max(...times);
          process.stdout.write(`| ${label.padEnd(width)} | ${median(times).toFixed(1)} | ${worst.toFixed(1)} | ${worst < GOAL_MS ? 'met' : 'not met'} |\n`);
        }
      } finally {
        await daemon.stop();
      }
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  },
};
