/**
 * The fuzz run: mutated files through the daemon's own way in. The real App (the composition root
 * `posdrop serve` runs) starts on a scratch data directory; each input is dropped into a partner's
 * inbox and announced as an upload's CLOSE would, and then it must end like every file must: in
 * `processed` or `rejected` with a reason, its receipt in the outbox saying the same, nothing
 * logged as an error, memory bounded. Anything else is a finding, kept with the bytes that caused it.
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { App } from '../src/app.js';
import { configSchema } from '../src/config/schema.js';
import { FORMAT_IDS, type FormatId } from '../src/formats/types.js';
import { ensurePartnerFolders } from '../src/fs/partner-folders.js';
import { createLog } from '../src/log.js';
import { seededRandom } from '../bench/support/seeded-random.js';
import { expectedTotal } from './line-count.js';
import { fuzzKey, WRAPPED_NAME, wrap, wrappingOf } from './wrappings.js';
import { DAYS_PER_PARTNER, FUZZ_PARTNERS, FUZZ_TOOLBOX, nameOf, seedsOf } from './corpus.js';
import { mutate, type MutationName } from './mutations.js';

/** A fuzz run: how many inputs, from which seed, how many files at a time. */
export interface FuzzOptions {
  /** Inputs per format. */
  perFormat: number;
  /** The run's seed: the same seed makes the same inputs. */
  seed: number;
  formats?: readonly FormatId[];
  /** Inputs dropped at once before waiting for the intake (it works on several files at a time). */
  batch?: number;
  /** Called after every batch, for a progress line. */
  onProgress?: (format: FormatId, done: number) => void;
}

/** An input that did not end as every file must. */
export interface Finding {
  format: FormatId;
  input: number;
  name: string;
  mutations: MutationName[];
  problem: string;
  data: Buffer;
}

/** What became of one format's inputs. */
export interface FormatTally {
  inputs: number;
  /** Every record accepted. */
  processed: number;
  /** Processed with failed records. */
  partial: number;
  rejected: number;
  /** Rejections by reason code. */
  reasons: Record<string, number>;
  seconds: number;
}

/** What a fuzz run did: per format, the outcomes; over all, the findings and the peak memory. */
export interface FuzzReport {
  seed: number;
  tallies: Partial<Record<FormatId, FormatTally>>;
  findings: Finding[];
  peakRssMb: number;
}

/** A log stream that keeps the error lines (none is expected) and drops the rest. */
class ErrorLines extends Writable {
  readonly lines: Record<string, unknown>[] = [];
  override _write(chunk: Buffer, _encoding: string, done: () => void): void {
    for (const line of chunk.toString('utf8').split('\n')) {
      if (line.includes('"level":"error"')) this.lines.push(JSON.parse(line) as Record<string, unknown>);
    }
    done();
  }
}

/** The partner that receives input `n` of `format` (CrowdTwist needs a fresh day per input). */
function partnerOf(format: FormatId, n: number): string {
  const round = format === 'crowdtwist-pos' ? Math.floor(n / DAYS_PER_PARTNER) : 0;
  return round === 0 ? FUZZ_PARTNERS[format] : `${FUZZ_PARTNERS[format]}-${round}`;
}

/** Sends `perFormat` mutated inputs of each format through a fresh App; what became of them. */
export async function runFuzz(options: FuzzOptions): Promise<FuzzReport> {
  const formats = options.formats ?? FORMAT_IDS;
  const batch = options.batch ?? 32;
  // A RAM-backed folder where there is one: the run is about content, not about fsync's speed.
  const scratch = existsSync('/dev/shm') ? '/dev/shm' : tmpdir();
  const dataDir = await mkdtemp(path.join(scratch, 'posdrop-fuzz-'));
  const errors = new ErrorLines();
  const key = await fuzzKey();
  await writeFile(path.join(dataDir, 'pgp-server.asc'), key.armoredPrivate, { mode: 0o600 });
  const config = configSchema.parse({
    data_dir: dataDir,
    demo_partner: false,
    log: { level: 'warn' },
    sftp: { port: 0 },
    http: { enabled: false },
    api: { enabled: false },
    intake: { rescan_seconds: 3600 },
    pgp: { private_key_file: path.join(dataDir, 'pgp-server.asc') },
    clienttoolbox: { [FUZZ_PARTNERS['clienttoolbox-transactions']]: FUZZ_TOOLBOX },
  });
  const app = new App({ config, log: createLog({ level: 'warn', stream: errors }) });
  const report: FuzzReport = { seed: options.seed, tallies: {}, findings: [], peakRssMb: 0 };
  const crashes: string[] = [];
  const onCrash = (err: unknown) => crashes.push(err instanceof Error ? (err.stack ?? err.message) : String(err));
  process.on('uncaughtException', onCrash);
  process.on('unhandledRejection', onCrash);
  const sampler = setInterval(() => (report.peakRssMb = Math.max(report.peakRssMb, process.memoryUsage().rss / 1048576)), 50);
  try {
    await app.start();
    const { partners, files, intake } = app.running;
    const staging = path.join(dataDir, 'staging');
    await mkdir(staging);
    for (const [index, format] of formats.entries()) {
      const seeds = seedsOf(format);
      const tally: FormatTally = { inputs: 0, processed: 0, partial: 0, rejected: 0, reasons: {}, seconds: 0 };
      report.tallies[format] = tally;
      const started = performance.now();
      for (let first = 0; first < options.perFormat; first += batch) {
        const inputs = [];
        for (let n = first; n < Math.min(options.perFormat, first + batch); n += 1) {
          const partner = partnerOf(format, n);
          if (!partners.get(partner)) {
            partners.add({ id: partner, clientId: partner, channels: ['direct-mail'], formats: [format] });
            await ensurePartnerFolders(app.layout, partner);
          }
          const seed = n % seeds.length;
          const { data, applied } = mutate(seededRandom(options.seed * 1_000_003 + index * 7_919_993 + n), seeds[seed] as Buffer);
          const name = nameOf(format, n, seed, partner);
          const wrapping = wrappingOf(n);
          const sent = WRAPPED_NAME[wrapping](name);
          // Complete before it appears, as an upload is: written aside, then renamed in.
          const staged = path.join(staging, sent);
          await writeFile(staged, await wrap(wrapping, data, key.publicKey));
          await rename(staged, path.join(app.layout.areaDir(partner, 'inbox'), sent));
          intake.announce(partner, 'inbox', sent);
          inputs.push({ n, partner, name, sent, data, applied });
        }
        await intake.idle();
        for (const input of inputs) {
          // the compressed or encrypted file itself must simply be taken; the file inside is the input
          const wrapper = input.sent === input.name ? undefined : files.list({ partner: input.partner, name: input.sent });
          const unwrapped = wrapper && ((await verdictOf(app, wrapper, input.partner, input.sent)) ?? (wrapper[0]?.state === 'processed' ? undefined : `the ${input.sent} around it ended ${wrapper[0]?.state}: ${wrapper[0]?.reason}`));
          const rows = files.list({ partner: input.partner, name: input.name });
          const problem = unwrapped ?? (await verdictOf(app, rows, input.partner, input.name, tally)) ?? uncountedLines(format, rows[0]?.counts ?? null, input.data, input.name);
          if (problem) report.findings.push({ format, input: input.n, name: input.name, mutations: input.applied, problem, data: input.data });
        }
        // Error lines and process errors belong to no one input of the batch: its files run side
        // by side. Reported against the batch's first input; `batch: 1` pins them to one.
        const logged = errors.lines.splice(0).map((line) => `${String(line.event)}: ${String(line.error ?? line.message)}`);
        const crashed = crashes.splice(0);
        if (logged.length || crashed.length) {
          const [first] = inputs as [(typeof inputs)[number]];
          const span = inputs.length > 1 ? ` (during inputs ${first.n}–${first.n + inputs.length - 1}; --batch 1 tells which)` : '';
          report.findings.push({ format, input: first.n, name: first.name, mutations: first.applied, problem: [...logged, ...crashed].join('; ') + span, data: first.data });
        }
        tally.inputs = Math.min(options.perFormat, first + batch);
        options.onProgress?.(format, tally.inputs);
      }
      tally.seconds = (performance.now() - started) / 1000;
    }
  } finally {
    clearInterval(sampler);
    process.off('uncaughtException', onCrash);
    process.off('unhandledRejection', onCrash);
    await app.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
  return report;
}

/** A delimited file whose `total` is not its count of physical lines: lines lost (or made up) without a word. */
function uncountedLines(format: FormatId, counts: { total: number } | null, data: Buffer, name: string): string | undefined {
  const expected = expectedTotal(format, data, name);
  if (expected === undefined || counts === null || counts.total === expected) return undefined;
  return `total ${counts.total}, but the file has ${expected} data lines`;
}

/** Why the file of `name` did not end as it must, or undefined when it did; tallies the outcome of an input. */
async function verdictOf(
  app: App,
  rows: { state: string; reasonCode: string | null; reason: string | null; counts: { failed: number } | null }[],
  partner: string,
  name: string,
  tally?: FormatTally,
): Promise<string | undefined> {
  if (rows.length !== 1) return `${rows.length} ledger rows instead of one`;
  const row = rows[0]!;
  if (row.state === 'rejected') {
    if (!row.reasonCode || !row.reason) return 'rejected without a reason';
    if (tally) {
      tally.rejected += 1;
      tally.reasons[row.reasonCode] = (tally.reasons[row.reasonCode] ?? 0) + 1;
    }
  } else if (row.state === 'processed') {
    if (tally && (row.counts?.failed ?? 0) > 0) tally.partial += 1;
    else if (tally) tally.processed += 1;
  } else {
    return `ended in state ${row.state}${row.reason ? ` (${row.reason})` : ''}`;
  }
  const receiptFile = path.join(app.layout.areaDir(partner, 'outbox'), `${name}.receipt.json`);
  const receipt = await readFile(receiptFile, 'utf8').then(
    (text) => JSON.parse(text) as { state: string },
    () => undefined,
  );
  if (!receipt) return 'no receipt in the outbox';
  if (receipt.state !== row.state) return `the receipt says ${receipt.state}, the ledger ${row.state}`;
  if (existsSync(path.join(app.layout.areaDir(partner, 'inbox'), name))) return 'still in the inbox after its final state';
  return undefined;
}
