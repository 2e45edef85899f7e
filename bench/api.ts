/**
 * The partner API against SFTP, on one daemon, same run: one 50 MB PBJ file posted to
 * `/bulk-sales/files` next to the same bytes put over OpenSSH `sftp -b`, each timed from the first
 * byte sent until its result is known (the POST answers with it; over SFTP, its receipt), with the
 * daemon's peak RSS; then 2 KB PBJ posts one after another on an idle daemon, request → 202.
 */
import { createReadStream, readFileSync } from 'node:fs';
import { mkdtemp, readFile, stat, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { BenchSection } from './sections.js';
import { keyPair, posdrop, rssMb, sampleRss, sleep, startDaemon, timedSftp, type Daemon } from './support/processes.js';

const BIG_MB = 50;
const SMALL_POSTS = 300;
const HEADER = 'ORDER_ID,DRAW_NO,CUSTOMER_ID,PRODUCT,QUANTITY,AMOUNT,PAYMENT_METHOD,SALE_DATE\n';
const BOUNDARY = 'posdrop-bench-boundary';

/** A valid PBJ file of about `bytes`, its ORDER_IDs from `first` on. */
function salesFile(bytes: number, first: number): Buffer {
  const lines = [HEADER];
  let size = HEADER.length;
  for (let id = first; size < bytes; id += 1) {
    const line = `${id},42,CUST-${id % 10_000},Charity Lottery Ticket,${(id % 5) + 1},${((id % 40) + 1).toFixed(2)},card,2020-04-20\n`;
    lines.push(line);
    size += line.length;
  }
  return Buffer.from(lines.join(''));
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number;
}

function met(ok: boolean): string {
  return ok ? 'met' : 'NOT MET';
}

/** POSTs `file` as the multipart field `file` (streamed from disk, as curl -F does), resolving at the answer. */
function postFile(port: number, token: string, name: string, file: string, size: number): Promise<{ status: number; body: string }> {
  const head = Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="${name}"\r\nContent-Type: text/csv\r\n\r\n`);
  const tail = Buffer.from(`\r\n--${BOUNDARY}--\r\n`);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: '/bulk-sales/files',
        headers: { Authorization: `Bearer ${token}`, 'Content-Type': `multipart/form-data; boundary=${BOUNDARY}`, 'Content-Length': head.length + size + tail.length },
      },
      (res) => {
        let body = '';
        res.on('data', (chunk: Buffer) => (body += chunk.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject);
    req.write(head);
    const source = createReadStream(file);
    source.on('error', reject);
    source.on('end', () => req.end(tail));
    source.pipe(req, { end: false });
  });
}

async function login(port: number, key: string): Promise<string> {
  const answer = await fetch(`http://127.0.0.1:${port}/api-admin/login`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ username: 'bench', password: key }),
  });
  return ((await answer.json()) as { result: { access_token: string } }).result.access_token;
}

/** Waits until the receipt of `name` is final: the moment its result is known to a partner over SFTP. */
async function receiptOf(daemon: Daemon, name: string, timeoutMs = 600_000): Promise<string> {
  const receipt = path.join(daemon.dataDir, 'partners', 'bench', 'outbox', `${name}.receipt.json`);
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    // a receipt is written at every state change: only processed, rejected or failed is an answer
    const state = await readFile(receipt, 'utf8').then((text) => (JSON.parse(text) as { state: string }).state, () => undefined);
    if (state === 'processed' || state === 'rejected' || state === 'failed') return state;
    await sleep(20);
  }
  throw new Error(`no final receipt for ${name}`);
}

interface Bench {
  daemon: Daemon;
  apiPort: number;
  token: string;
}

/** A fresh daemon with the partner `bench` (key and API key): each transfer starts on an empty ledger. */
async function benchDaemon(publicKey: string): Promise<Bench> {
  const daemon = await startDaemon({ env: { POSDROP_SFTP_MAX_UPLOAD_BYTES: String(64 * 1024 * 1024) } });
  posdrop(daemon, ['partners', 'add', 'bench', '--format', 'pbj-offline-sales', '--channel', 'direct-mail', '--key', publicKey, '--max-upload-mb', '64']);
  const key = (JSON.parse(posdrop(daemon, ['partners', 'api-key', 'bench', '--json'])) as { api_key: string }).api_key;
  const apiPort = (JSON.parse(readFileSync(path.join(daemon.dataDir, 'daemon.json'), 'utf8')) as { api: { port: number } }).api.port;
  return { daemon, apiPort, token: await login(apiPort, key) };
}

/** The receipt's own figure: how long the pipeline took over the file once it was in the inbox. */
async function processingSeconds(daemon: Daemon, name: string): Promise<number> {
  const receipt = JSON.parse(await readFile(path.join(daemon.dataDir, 'partners', 'bench', 'outbox', `${name}.receipt.json`), 'utf8')) as { timings: { duration_ms: number } };
  return receipt.timings.duration_ms / 1000;
}

interface Transfer {
  seconds: number;
  processing: number;
  peakRss: number;
}

/** The mean time of the runs, and the highest peak among them. */
function middle(runs: Transfer[]): Transfer {
  const mean = (pick: (run: Transfer) => number) => runs.reduce((sum, run) => sum + pick(run), 0) / runs.length;
  return { seconds: mean((run) => run.seconds), processing: mean((run) => run.processing), peakRss: Math.max(...runs.map((run) => run.peakRss)) };
}

async function overSftp(big: string, keyFile: string, publicKey: string): Promise<Transfer> {
  const { daemon } = await benchDaemon(publicKey);
  try {
    const name = 'direct-mail_20-04-2020_1.csv';
    const sampler = sampleRss(daemon.pid);
    const started = performance.now();
    await timedSftp(daemon.port, 'bench', keyFile, [`put ${big} /inbox/${name}`]);
    const state = await receiptOf(daemon, name);
    const seconds = (performance.now() - started) / 1000;
    const peakRss = sampler.stop();
    if (state !== 'processed') throw new Error(`the ${BIG_MB} MB file over SFTP was ${state}`);
    return { seconds, processing: await processingSeconds(daemon, name), peakRss };
  } finally {
    await daemon.stop();
  }
}

async function overHttp(big: string, publicKey: string): Promise<Transfer> {
  const { daemon, apiPort, token } = await benchDaemon(publicKey);
  try {
    const name = 'direct-mail_20-04-2020_1.csv';
    const sampler = sampleRss(daemon.pid);
    const started = performance.now();
    let posted = await postFile(apiPort, token, name, big, (await stat(big)).size);
    // past api.result_wait_seconds the answer is a Location to poll: the result is known when it answers it
    for (let location = (JSON.parse(posted.body) as { location?: string }).location; location; location = (JSON.parse(posted.body) as { location?: string }).location) {
      await sleep(20);
      const polled = await fetch(`http://127.0.0.1:${apiPort}${location}`, { headers: { Authorization: `Bearer ${token}` } });
      posted = { status: polled.status, body: await polled.text() };
    }
    const seconds = (performance.now() - started) / 1000;
    const peakRss = sampler.stop();
    if (posted.status !== 202) throw new Error(`the ${BIG_MB} MB post answered ${posted.status}: ${posted.body.slice(0, 300)}`);
    return { seconds, processing: await processingSeconds(daemon, name), peakRss };
  } finally {
    await daemon.stop();
  }
}

/** 2 KB posts one after another on an otherwise idle daemon: request → 202 with the result, in ms. */
async function smallPosts(publicKey: string): Promise<{ latencies: number[]; idleRss: number }> {
  const { daemon, apiPort, token } = await benchDaemon(publicKey);
  try {
    await sleep(1000);
    const idleRss = rssMb(daemon.pid);
    const latencies: number[] = [];
    for (let index = 0; index < SMALL_POSTS; index += 1) {
      const body = new FormData();
      body.append('file', new Blob([salesFile(2048, 10_000 * (index + 1))], { type: 'text/csv' }), `direct-mail_20-04-2020_${index + 1}.csv`);
      const at = performance.now();
      const answer = await fetch(`http://127.0.0.1:${apiPort}/bulk-sales/files`, { method: 'POST', headers: { Authorization: `Bearer ${token}` }, body });
      await answer.text();
      latencies.push(performance.now() - at);
      if (answer.status !== 202) throw new Error(`a 2 KB post answered ${answer.status}`);
    }
    return { latencies: latencies.sort((x, y) => x - y), idleRss };
  } finally {
    await daemon.stop();
  }
}

export const apiSection: BenchSection = {
  name: 'api',
  title: `partner API: a ${BIG_MB} MB PBJ file over HTTP next to SFTP, and 2 KB PBJ posts request → 202`,
  async run() {
    const work = await mkdtemp(path.join(tmpdir(), 'posdrop-bench-api-'));
    const { keyFile, publicKey } = await keyPair(work);
    const big = path.join(work, 'big.csv');
    await writeFile(big, salesFile(BIG_MB * 1024 * 1024, 1_000_000));
    const mb = (await stat(big)).size / (1024 * 1024);
    const out = (line: string) => process.stdout.write(`${line}\n`);

    // SFTP, HTTP, HTTP, SFTP: a machine that gets busier or quieter meanwhile weighs on both alike
    const sftpRuns = [await overSftp(big, keyFile, publicKey)];
    const httpRuns = [await overHttp(big, publicKey), await overHttp(big, publicKey)];
    sftpRuns.push(await overSftp(big, keyFile, publicKey));
    const sftp = middle(sftpRuns);
    const http = middle(httpRuns);
    const ratio = sftp.seconds / http.seconds;
    const line = (what: string, run: Transfer) =>
      `  ${what.padEnd(38)} ${(mb / run.seconds).toFixed(1)} MB/s (${run.seconds.toFixed(1)} s: transfer ${(run.seconds - run.processing).toFixed(1)} s, processing ${run.processing.toFixed(1)} s)  peak RSS ${run.peakRss.toFixed(0)} MB`;
    out(`one ${BIG_MB} MB PBJ file, each on a fresh daemon, from the first byte until its result is known (mean of 2 runs each):`);
    out(line('SFTP (sftp -b put, then its receipt)', sftp));
    out(line('HTTP (POST /bulk-sales/files → 202)', http));
    out(`  ratio HTTP/SFTP ${ratio.toFixed(2)}× (goal ≥ 1.0×: ${met(ratio >= 1)}); peak RSS HTTP ${http.peakRss.toFixed(0)} MB vs SFTP ${sftp.peakRss.toFixed(0)} MB (goal the same, within 10%: ${met(http.peakRss <= sftp.peakRss * 1.1)})`);

    const small = await smallPosts(publicKey);
    const p50 = percentile(small.latencies, 50);
    const p99 = percentile(small.latencies, 99);
    out(`${SMALL_POSTS} posts of a 2 KB PBJ file, one after another, request → 202 with the result:`);
    out(`  p50 ${p50.toFixed(1)} ms  p99 ${p99.toFixed(1)} ms  max ${(small.latencies.at(-1) as number).toFixed(1)} ms (goal p99 ≤ 100 ms on an idle daemon: ${met(p99 <= 100)}); daemon RSS idle ${small.idleRss.toFixed(0)} MB`);
  },
};
