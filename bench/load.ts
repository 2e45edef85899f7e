/**
 * Concurrent load: 50 partner sessions at once (ssh2 clients), 20 files each of mixed formats and
 * sizes, against the same 20 files from one session alone, in the same run; then the latency of
 * a 2 KB upload on an idle daemon. Latency is from the upload's CLOSE to its final receipt, both
 * as the daemon logs them.
 */
import { mkdtemp, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import ssh2 from 'ssh2';
import { generateEd25519KeyPair } from '../src/security/ed25519.js';
import { parsePublicKeyLine } from '../src/security/public-keys.js';
import { PartnerStore } from '../src/store/partners.js';
import { FORMAT_IDS } from '../src/formats/types.js';
import { loadFiles, smallFile, toolboxConfig, type LoadFile } from './load-files.js';
import { probeBigFile } from './big-file-probe.js';
import { recordFigure } from './goals.js';
import type { BenchSection } from './sections.js';
import { DaemonLogs, percentile } from './support/daemon-logs.js';
import { sampleRss, sleep, startDaemon, type Daemon } from './support/processes.js';

const SESSIONS = 50;
const SMALL_UPLOADS = 200;
const GOAL_LOAD_RATIO = 0.8;
const GOAL_LOAD_P99_MS = 5_000;
const GOAL_STAT_P99_MS = 20;

interface Round {
  files: number;
  bytes: number;
  seconds: number;
  latencies: number[];
  lost: number;
}

export const loadSection: BenchSection = {
  name: 'load',
  title: `concurrent load: ${SESSIONS} sessions × 20 mixed files, against one session; latency of a 2 KB upload`,
  async run() {
    const partners = ['solo', ...Array.from({ length: SESSIONS }, (_, i) => `p${String(i + 1).padStart(2, '0')}`), 'lat', 'big', 'probe'];
    const keys = generateEd25519KeyPair();
    const config = {
      sftp: { max_connections_per_address: SESSIONS + 8 },
      clienttoolbox: toolboxConfig(partners),
    };
    const daemon = await startDaemon({ config, logs: true });
    const logs = daemon.logs as DaemonLogs;
    try {
      addPartners(daemon, partners, keys.public);
      const work = await mkdtemp(path.join(tmpdir(), 'posdrop-load-'));
      const solo = await round(daemon, logs, ['solo'], keys.private, work);
      const big = await probeBigFile((user) => connect(daemon.port, user, keys.private), logs, work, 'big', 'probe');
      const bigMbPerS = big.bytes / 1e6 / big.seconds;
      const sampler = sampleRss(daemon.pid);
      const many = await round(daemon, logs, partners.slice(1, SESSIONS + 1), keys.private, work);
      const peakRss = sampler.stop();
      report('1 session', solo);
      report(`${SESSIONS} sessions`, many);
      process.stdout.write(
        `ratio ${SESSIONS} sessions / 1 session: ${(many.files / many.seconds / (solo.files / solo.seconds)).toFixed(2)}× files/s, ` +
          `${(many.bytes / many.seconds / (solo.bytes / solo.seconds)).toFixed(2)}× MB/s; peak daemon RSS ${peakRss.toFixed(0)} MB\n`,
      );
      const manyMbPerS = many.bytes / 1e6 / many.seconds;
      process.stdout.write(
        `one ${(big.bytes / 1e6).toFixed(1)} MB CrowdTwist batch alone, upload start → final receipt: ${big.seconds.toFixed(1)} s, ` +
          `${bigMbPerS.toFixed(1)} MB/s (${big.state}); stat from another session meanwhile: ${big.statMs.length} sent, ` +
          `p50 ${percentile(big.statMs, 50).toFixed(1)} ms, p99 ${percentile(big.statMs, 99).toFixed(1)} ms, max ${Math.max(...big.statMs).toFixed(1)} ms\n`,
      );
      recordFigure({
        what: `${SESSIONS} sessions × 20 mixed files: ingest MB/s vs the single ${(big.bytes / 1e6).toFixed(0)} MB CrowdTwist ingest`,
        value: `${manyMbPerS.toFixed(1)} vs ${bigMbPerS.toFixed(1)} MB/s (${(manyMbPerS / bigMbPerS).toFixed(2)}×), lost or wrong ${many.lost}`,
        goal: `≥ ${GOAL_LOAD_RATIO}×`,
        met: manyMbPerS / bigMbPerS >= GOAL_LOAD_RATIO && many.lost === 0,
      });
      recordFigure({
        what: 'same load: upload CLOSE → final receipt',
        value: `p50 ${(percentile(many.latencies, 50) / 1000).toFixed(1)} s, p99 ${(percentile(many.latencies, 99) / 1000).toFixed(1)} s`,
        goal: `p99 ≤ ${GOAL_LOAD_P99_MS / 1000} s`,
        met: percentile(many.latencies, 99) <= GOAL_LOAD_P99_MS,
      });
      recordFigure({
        what: `SFTP stat from another session while a ${(big.bytes / 1e6).toFixed(0)} MB CrowdTwist file is processed`,
        value: `p99 ${percentile(big.statMs, 99).toFixed(1)} ms (p50 ${percentile(big.statMs, 50).toFixed(1)} ms, ${big.statMs.length} stats)`,
        goal: `p99 ≤ ${GOAL_STAT_P99_MS} ms`,
        met: percentile(big.statMs, 99) <= GOAL_STAT_P99_MS,
      });
      const small = await smallUploads(daemon, logs, keys.private, work);
      process.stdout.write(
        `2 KB upload on an idle daemon, ${SMALL_UPLOADS} in a row: close → receipt p50 ${percentile(small, 50)} ms, ` +
          `p99 ${percentile(small, 99)} ms (goal p50 < 50 ms, p99 < 200 ms)\n`,
      );
      recordFigure({
        what: '2 KB upload on an idle daemon: CLOSE → final receipt',
        value: `p50 ${percentile(small, 50)} ms, p99 ${percentile(small, 99)} ms`,
        goal: 'p50 < 50 ms, p99 < 200 ms',
        met: percentile(small, 50) < 50 && percentile(small, 99) < 200,
      });
    } finally {
      await daemon.stop();
    }
  },
};

/** Adds `ids` as partners of every format (client id = id), all with `publicKey`. */
export function addPartners(daemon: Daemon, ids: string[], publicKey: string): void {
  const db = new Database(path.join(daemon.dataDir, 'posdrop.db'));
  db.pragma('busy_timeout = 10000');
  const partners = new PartnerStore(db, () => new Date());
  const key = parsePublicKeyLine(publicKey);
  db.transaction(() => {
    for (const id of ids) {
      partners.add({ id, clientId: id, channels: ['direct-mail'], formats: [...FORMAT_IDS] });
      partners.addKey(id, key);
    }
  })();
  db.close();
}

/** Each partner uploads its 20 files in one session, all partners at once; waits for every receipt. */
async function round(daemon: Daemon, logs: DaemonLogs, partners: string[], privateKey: string, work: string): Promise<Round> {
  const expected = new Map<string, LoadFile>();
  for (const partner of partners) {
    const dir = path.join(work, partner);
    await mkdir(dir, { recursive: true });
    for (const file of loadFiles(partner)) {
      await writeFile(path.join(dir, file.name), file.content);
      expected.set(`${partner}/${file.name}`, file);
    }
  }
  const keys = new Set(expected.keys());
  const started = process.hrtime.bigint();
  await Promise.all(partners.map((partner) => uploadAll(daemon.port, partner, privateKey, path.join(work, partner))));
  const finals = await waitFor(() => {
    const states = logs.finalStates(keys);
    return states.size === keys.size ? states : undefined;
  }, 600_000);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  let lost = 0;
  for (const [key, line] of finals) {
    const file = expected.get(key) as LoadFile;
    if (line.event !== 'file.processed' || line.accepted !== file.records) lost += 1;
  }
  const bytes = [...expected.values()].reduce((sum, file) => sum + Buffer.byteLength(file.content), 0);
  return { files: keys.size, bytes, seconds, latencies: logs.latencies(keys), lost };
}

/** One session uploading every file of `dir` in turn, as a partner's script would. */
async function uploadAll(port: number, partner: string, privateKey: string, dir: string): Promise<void> {
  const client = await connect(port, partner, privateKey);
  try {
    const sftp = await new Promise<ssh2.SFTPWrapper>((resolve, reject) => client.sftp((err, s) => (err ? reject(err) : resolve(s))));
    for (const file of loadFiles(partner)) {
      await new Promise<void>((resolve, reject) =>
        sftp.fastPut(path.join(dir, file.name), `/inbox/${file.name}`, (err) => (err ? reject(err) : resolve())),
      );
    }
  } finally {
    client.end();
  }
}

async function smallUploads(daemon: Daemon, logs: DaemonLogs, privateKey: string, work: string): Promise<number[]> {
  const client = await connect(daemon.port, 'lat', privateKey);
  const keys = new Set<string>();
  try {
    const sftp = await new Promise<ssh2.SFTPWrapper>((resolve, reject) => client.sftp((err, s) => (err ? reject(err) : resolve(s))));
    for (let n = 1; n <= SMALL_UPLOADS; n += 1) {
      const file = smallFile(n);
      keys.add(`lat/${file.name}`);
      await new Promise<void>((resolve, reject) => sftp.writeFile(`/inbox/${file.name}`, file.content, (err) => (err ? reject(err) : resolve())));
      // Idle between uploads: the next one starts once this one is answered.
      await waitFor(() => logs.finalStates(new Set([`lat/${file.name}`])).size === 1 || undefined, 30_000);
    }
  } finally {
    client.end();
  }
  void work;
  return logs.latencies(keys);
}

/** An ssh2 client logged in as `username`. */
export function connect(port: number, username: string, privateKey: string): Promise<ssh2.Client> {
  return new Promise((resolve, reject) => {
    const client = new ssh2.Client();
    client.on('ready', () => resolve(client)).on('error', reject);
    client.connect({ host: '127.0.0.1', port, username, privateKey, readyTimeout: 60_000 });
  });
}

function report(what: string, round: Round): void {
  const mb = round.bytes / 1e6;
  process.stdout.write(
    `${what.padEnd(12)} ${round.files} files, ${mb.toFixed(1)} MB in ${round.seconds.toFixed(1)} s: ` +
      `${(round.files / round.seconds).toFixed(1)} files/s, ${(mb / round.seconds).toFixed(1)} MB/s; ` +
      `close → receipt p50 ${percentile(round.latencies, 50)} ms, p99 ${percentile(round.latencies, 99)} ms; ` +
      `lost or wrong ${round.lost}\n`,
  );
}

async function waitFor<T>(probe: () => T | undefined, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('the daemon did not answer every file in time');
    await sleep(5);
  }
}
