/**
 * `npm run bench crowdtwist`: end-to-end ingest of a generated CrowdTwist batch (about 50 MB,
 * 80,000 purchases of two or three items) from the inbox to committed rows, next to two ways of
 * doing the same inserts measured in the same run: (a) `JSON.parse` of the whole file, (b)
 * stream-json's usual parser → pick → streamArray. Each runs in a child process of its own, so
 * that peak RSS is its own. Goal: posdrop at ≥ 1.0 × (a)'s MB/s with a peak RSS under 150 MB.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { recordFigure } from './goals.js';
import type { BenchSection } from './sections.js';
import type { Mode, RunResult } from './crowdtwist-child.js';
import { writePosBatch } from './pos-batch-generator.js';
import { DAEMON_NODE_FLAGS } from './support/daemon-flags.js';
import { serveIngest, type IngestResult } from './support/serve-ingest.js';

const PURCHASES = 80_000;
const GOAL_RATIO = 1.0;
const GOAL_RSS_MB = 150;
const CHILD = path.join(import.meta.dirname, 'crowdtwist-child.js');

const GOAL_GZ_RATIO = 0.8;

const MODES: [Mode, string][] = [
  ['posdrop', 'posdrop, inbox → committed rows'],
  ['posdrop-gz', 'posdrop, the same batch as .gz (inflated, then taken)'],
  ['parse-whole', '(a) JSON.parse whole file + inserts'],
  ['stream-json', '(b) stream-json parser→pick→streamArray + inserts'],
];

async function measure(mode: Mode, file: string): Promise<RunResult> {
  const flags = mode.startsWith('posdrop') ? DAEMON_NODE_FLAGS : [];
  const { stdout } = await promisify(execFile)(process.execPath, [...flags, CHILD, mode, file], { maxBuffer: 1 << 20 });
  return JSON.parse(stdout.trim().split('\n').at(-1) ?? '') as RunResult;
}

const mb = (bytes: number) => bytes / 1e6;

/**
 * The store option: the same batch through `posdrop serve` on the store `storeUrl` names (empty:
 * SQLite), parse to commit, for the figures that compare the engines (`npm run bench cluster`).
 */
export async function crowdtwistOnStore(storeUrl: string, purchases = PURCHASES): Promise<IngestResult & { mb: number }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'posdrop-bench-batch-'));
  try {
    const file = path.join(dir, 'batch.json');
    const batch = await writePosBatch(file, { purchases });
    const result = await serveIngest({ file, name: '20170623_0001_12_pos_bench.json', partnerArgs: ['--format', 'crowdtwist-pos', '--client-id', '12'], storeUrl });
    return { ...result, mb: mb(batch.bytes) };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The `crowdtwist` section of `npm run bench`. */
export const crowdtwistSection: BenchSection = {
  name: 'crowdtwist',
  title: 'CrowdTwist POS batch ingest (MB = 10^6 bytes)',
  async run() {
    const dir = await mkdtemp(path.join(tmpdir(), 'posdrop-bench-batch-'));
    try {
      const file = path.join(dir, 'batch.json');
      const batch = await writePosBatch(file, { purchases: PURCHASES });
      process.stdout.write(`file: ${mb(batch.bytes).toFixed(1)} MB, ${batch.purchases} purchases, ${batch.items} items\n\n`);
      const results = new Map<Mode, RunResult>();
      for (const [mode] of MODES) results.set(mode, await measure(mode, file));
      const reference = results.get('parse-whole') as RunResult;
      const speed = (result: RunResult) => mb(batch.bytes) / result.seconds;
      process.stdout.write('| pipeline | seconds | MB/s | × (a) | peak RSS MB | purchases stored |\n| --- | ---: | ---: | ---: | ---: | ---: |\n');
      for (const [mode, label] of MODES) {
        const result = results.get(mode) as RunResult;
        const cells = [label, result.seconds.toFixed(2), speed(result).toFixed(1), (speed(result) / speed(reference)).toFixed(2), mb(result.peakRssBytes).toFixed(0), result.purchases];
        process.stdout.write(`| ${cells.join(' | ')} |\n`);
      }
      const ours = results.get('posdrop') as RunResult;
      const ratio = speed(ours) / speed(reference);
      const met = ratio >= GOAL_RATIO && mb(ours.peakRssBytes) < GOAL_RSS_MB;
      process.stdout.write(
        `\ngoal: ≥ ${GOAL_RATIO} × (a) with peak RSS < ${GOAL_RSS_MB} MB — ${met ? 'met' : 'NOT met'} (${ratio.toFixed(2)} ×, ${mb(ours.peakRssBytes).toFixed(0)} MB)\n`,
      );
      recordFigure({
        what: `CrowdTwist ${mb(batch.bytes).toFixed(0)} MB vs whole-file JSON.parse + the same inserts`,
        value: `${ratio.toFixed(2)}× (${speed(ours).toFixed(1)} vs ${speed(reference).toFixed(1)} MB/s), peak ${mb(ours.peakRssBytes).toFixed(0)} MB`,
        goal: `≥ ${GOAL_RATIO}×, peak < ${GOAL_RSS_MB} MB`,
        met,
      });
      const gz = speed(results.get('posdrop-gz') as RunResult) / speed(ours);
      process.stdout.write(`goal: the .gz batch ≥ ${GOAL_GZ_RATIO} × the plain one (MB/s of the inflated bytes) — ${gz >= GOAL_GZ_RATIO ? 'met' : 'NOT met'} (${gz.toFixed(2)} ×)\n`);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  },
};
