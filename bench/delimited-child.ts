/**
 * One measured run in its own process (so that its peak RSS is its own):
 * `daemon <carma|pbj> <file>` ingests the file end to end through the real App;
 * `naive <carma|pbj> <file>` is the reference: the whole file read, `split('\n')`/`split(';')`,
 * and the very same store inserts in one transaction. Prints one JSON line.
 */
import { mkdtemp, rename, rm, stat, link } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { App } from '../src/app.js';
import { ensurePartnerFolders } from '../src/fs/partner-folders.js';
import { openCarmaStore } from '../src/formats/carma-purchase-history/store.js';
import { openPbjSales } from '../src/formats/pbj-offline-sales/store.js';
import { createLog } from '../src/log.js';
import { openDatabase } from '../src/store/database.js';
import { inProcessBenchConfig } from './support/in-process-config.js';

const [mode, kind, source] = process.argv.slice(2) as ['daemon' | 'naive', 'carma' | 'pbj', string];
const NAMES = { carma: 'purchasehistory_BENCH_run.csv', pbj: 'direct-mail_20-04-2020_bench.csv' };

async function daemonRun(dir: string): Promise<number> {
  const config = inProcessBenchConfig(dir);
  const quiet = new Writable({ write: (_chunk, _encoding, done) => done() });
  const app = new App({ config, log: createLog({ level: 'warn', stream: quiet }) });
  await app.start();
  try {
    return await ingest(app, dir);
  } finally {
    await app.stop();
  }
}

async function ingest(app: App, dir: string): Promise<number> {
  const { partners, files, intake } = app.running;
  partners.add({ id: 'bench', clientId: 'bench', channels: ['direct-mail'], formats: ['carma-purchase-history', 'pbj-offline-sales'] });
  await ensurePartnerFolders(app.layout, 'bench');
  const name = NAMES[kind];
  const staged = path.join(dir, name);
  await link(source, staged); // same bytes, no copy in the measured time
  const started = performance.now();
  await rename(staged, path.join(dir, 'partners', 'bench', 'inbox', name));
  intake.announce('bench', 'inbox', name);
  for (;;) {
    const [file] = files.list({ partner: 'bench', name, limit: 1 });
    if (file && (file.state === 'processed' || file.state === 'rejected' || file.state === 'failed')) {
      if (file.state !== 'processed') throw new Error(`bench file ${file.state}: ${file.reason}`);
      break;
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return (performance.now() - started) / 1000;
}

async function naiveRun(dir: string): Promise<number> {
  const db = openDatabase(path.join(dir, 'naive.db'));
  const started = performance.now();
  db.exec('BEGIN IMMEDIATE');
  const lines = readFileSync(source, 'utf8').split('\n');
  if (kind === 'carma') {
    const purchases = openCarmaStore({ engine: 'sqlite', db }, { fileId: 1, partner: 'bench', listId: 'BENCH' });
    lines.forEach((line, index) => {
      if (!line) return;
      const cells: unknown[] = line.split(';');
      cells[4] = cells[4] === undefined || cells[4] === '' ? undefined : Number(cells[4]);
      purchases.add(index + 1, cells);
    });
    await purchases.flush(true);
  } else {
    const store = await openPbjSales({ engine: 'sqlite', db }, { id: 1, partner: 'bench', channel: 'direct-mail' });
    for (let index = 1; index < lines.length; index += 1) {
      const line = lines[index] as string;
      if (!line) continue;
      const [order, draw, customer, product, quantity, amount, payment, date] = line.split(',');
      store.add(index + 1, [Number(order), Number(draw), customer, product, Number(quantity), amount, payment, date]);
    }
  }
  db.exec('COMMIT');
  const seconds = (performance.now() - started) / 1000;
  db.close();
  return seconds;
}

const dir = await mkdtemp(path.join(tmpdir(), 'posdrop-bench-'));
try {
  const seconds = mode === 'daemon' ? await daemonRun(dir) : await naiveRun(dir);
  const bytes = (await stat(source)).size;
  const result = { mode, kind, seconds, mb_per_s: bytes / 1024 / 1024 / seconds, peak_rss_mb: process.resourceUsage().maxRSS / 1024 };
  process.stdout.write(`${JSON.stringify(result)}\n`);
} finally {
  await rm(dir, { recursive: true, force: true });
}
