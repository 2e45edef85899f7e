/**
 * One measured run of the crowdtwist bench, in a process of its own so that its peak RSS is its
 * own: `node dist/bench/crowdtwist-child.js <posdrop|parse-whole|stream-json> <file>`. Prints one
 * JSON line: seconds, rows stored, peak RSS.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { createGzip } from 'node:zlib';
import { copyFile, mkdtemp, readFile, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import Parser from 'stream-json/Parser.js';
import Pick from 'stream-json/filters/Pick.js';
import StreamArray from 'stream-json/streamers/StreamArray.js';
import { App } from '../src/app.js';
import { openDatabase, type Db } from '../src/store/database.js';
import { PartnerStore } from '../src/store/partners.js';
import { ensurePartnerFolders } from '../src/fs/partner-folders.js';
import { createLog } from '../src/log.js';
import { openPosStore, type PosStore } from '../src/formats/crowdtwist-pos/pos-store.js';
import type { Purchase } from '../src/formats/crowdtwist-pos/requests.js';
import { inProcessBenchConfig } from './support/in-process-config.js';

/** Which way of ingesting the batch a run measures. */
export type Mode = 'posdrop' | 'posdrop-gz' | 'parse-whole' | 'stream-json';

/** What one run reports to the bench section. */
export interface RunResult {
  mode: Mode;
  seconds: number;
  purchases: number;
  peakRssBytes: number;
}

type Raw = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** The references' inserts: the same statements as posdrop's, fed straight from the parsed object. */
function asPurchase(request: Raw): Purchase {
  const d = request.data as Raw;
  return {
    kind: 'purchase', receiptId: d.receipt_id, orderId: d.order_id, userId: d.user_id, total: d.total, subtotal: d.subtotal,
    datePurchased: d.date_purchased, channelId: d.channel_id, currency: d.currency,
    customData: d.custom_data ? JSON.stringify(d.custom_data) : null,
    items: (d.items as Raw[]).map((item) => ({
      sku: item.sku, price: item.price, quantity: item.quantity, transactionId: item.transaction_id ?? null,
      customData: item.custom_data ? JSON.stringify(item.custom_data) : null, awaitingFulfillment: item.is_awaiting_fulfillment === true, extra: null,
    })),
    tenders: ((d.tenders ?? []) as Raw[]).map((tender) => ({ type: tender.type, amount: tender.amount, extra: null })),
    coupons: (d.coupons ?? []) as string[],
    extra: null,
    requestExtra: null,
  };
}

async function scratch(): Promise<{ dir: string; db: Db; store: PosStore }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'posdrop-bench-'));
  const db = openDatabase(path.join(dir, 'posdrop.db'));
  new PartnerStore(db, () => new Date()).add({ id: 'bench', clientId: '12', channels: [], formats: ['crowdtwist-pos'] });
  db.prepare("INSERT INTO files (id, partner_id, name, sha256, size, state, received_at, state_changed_at) VALUES (1, 'bench', 'f', '', 0, 'processing', '', '')").run();
  return { dir, db, store: await openPosStore({ engine: 'sqlite', db }, 'bench', 1) };
}

/** (a) The whole file in memory, one JSON.parse, the same inserts in one transaction. */
async function parseWhole(file: string, start: () => void): Promise<number> {
  const { dir, db, store } = await scratch();
  start();
  const document = JSON.parse(await readFile(file, 'utf8')) as { pos_data: Raw[] };
  db.exec('BEGIN IMMEDIATE');
  document.pos_data.forEach((request, index) => store.addPurchase(asPurchase(request), index));
  db.exec('COMMIT');
  db.close();
  await rm(dir, { recursive: true, force: true });
  return document.pos_data.length;
}

/** (b) stream-json's usual idiom: parser → pick('pos_data') → streamArray, the same inserts. */
async function streamJson(file: string, start: () => void): Promise<number> {
  const { dir, db, store } = await scratch();
  start();
  let count = 0;
  db.exec('BEGIN IMMEDIATE');
  await pipeline(
    createReadStream(file),
    new Parser(),
    new Pick({ filter: 'pos_data' }),
    new StreamArray(),
    new Writable({
      objectMode: true,
      write(entry: { key: number; value: Raw }, _encoding, done) {
        store.addPurchase(asPurchase(entry.value), entry.key);
        count += 1;
        done();
      },
    }),
  );
  db.exec('COMMIT');
  db.close();
  await rm(dir, { recursive: true, force: true });
  return count;
}

/**
 * posdrop itself: the file lands in a partner's inbox; done when its rows are committed and
 * answered. With `gzip`, what lands is the file gzip-compressed (made before the clock starts),
 * which posdrop inflates into the inbox before it takes it.
 */
async function posdrop(file: string, start: () => void, gzip = false): Promise<number> {
  const dir = await mkdtemp(path.join(tmpdir(), 'posdrop-bench-'));
  const quiet = new Writable({ write: (_chunk, _encoding, done) => done() });
  const config = inProcessBenchConfig(dir);
  const app = new App({ config, log: createLog({ level: 'warn', stream: quiet }) });
  await app.start();
  const { partners, intake, files } = app.running;
  partners.add({ id: 'bench', clientId: '12', channels: [], formats: ['crowdtwist-pos'] });
  const name = '20170623_0001_12_pos_bench.json';
  const arriving = gzip ? `${name}.gz` : name;
  const staged = path.join(dir, arriving);
  if (gzip) await pipeline(createReadStream(file), createGzip(), createWriteStream(staged));
  else await copyFile(file, staged);
  const inbox = app.layout.areaDir('bench', 'inbox');
  await ensurePartnerFolders(app.layout, 'bench');
  start();
  await rename(staged, path.join(inbox, arriving));
  intake.announce('bench', 'inbox', arriving);
  await intake.idle();
  const record = files.list({ partner: 'bench', name })[0];
  await app.stop();
  await rm(dir, { recursive: true, force: true });
  if (record?.state !== 'processed') throw new Error(`the bench file ended ${record?.state}: ${record?.reason}`);
  return record.counts?.accepted ?? 0;
}

async function main(): Promise<void> {
  const [mode, file] = process.argv.slice(2) as [Mode, string];
  let started = performance.now();
  const start = () => (started = performance.now());
  const purchases =
    mode === 'posdrop' ? await posdrop(file, start)
    : mode === 'posdrop-gz' ? await posdrop(file, start, true)
    : mode === 'parse-whole' ? await parseWhole(file, start)
    : await streamJson(file, start);
  const seconds = (performance.now() - started) / 1000;
  const result: RunResult = { mode, seconds, purchases, peakRssBytes: process.resourceUsage().maxRSS * 1024 };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

if (process.argv[1] && import.meta.url.endsWith(path.basename(process.argv[1]))) await main();
