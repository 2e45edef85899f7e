/**
 * One file through `posdrop serve` on a chosen store, for the figures that compare the engines:
 * the daemon in its own process on SQLite or on a PostgreSQL database, a partner added with the
 * CLI, the file moved into its inbox, and the time from the daemon taking the file
 * (`file.processing`) to its commit (`file.processed`), as the daemon logs them.
 */
import { link, mkdir, mkdtemp, rename, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { DaemonLogs } from './daemon-logs.js';
import { posdrop, sampleRss, sleep, startDaemon } from './processes.js';

export interface ServeIngest {
  /** The file to ingest, and the name it arrives under. */
  file: string;
  name: string;
  /** `partners add` options: `--format …`, `--client-id …`, `--channel …`. */
  partnerArgs: string[];
  /** A `postgres://` URL of an empty database; empty: the SQLite file of the data directory. */
  storeUrl: string;
  config?: Record<string, unknown>;
}

export interface IngestResult {
  seconds: number;
  mbPerS: number;
  peakRssMb: number;
  state: string;
}

const PARTNER = 'bench';

/** Ingests `options.file` once; throws when it is not processed. */
export async function serveIngest(options: ServeIngest): Promise<IngestResult> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'posdrop-bench-store-'));
  const env: NodeJS.ProcessEnv = options.storeUrl ? { POSDROP_STORE_URL: options.storeUrl } : {};
  const daemon = await startDaemon({ dataDir, env, logs: true, config: { log: { level: 'info' }, ...options.config } });
  const logs = daemon.logs as DaemonLogs;
  try {
    posdrop(daemon, ['partners', 'add', PARTNER, ...options.partnerArgs, '--generate-password']);
    const inbox = path.join(dataDir, 'partners', PARTNER, 'inbox');
    await mkdir(inbox, { recursive: true });
    const staged = path.join(dataDir, options.name);
    await link(options.file, staged); // the same bytes, no copy
    const sampler = sampleRss(daemon.pid);
    await rename(staged, path.join(inbox, options.name));
    const deadline = Date.now() + 600_000;
    const final = (event: string) => event === 'file.processed' || event === 'file.rejected' || event === 'file.failed';
    let done = logs.events.find((line) => line.file === options.name && final(line.event));
    while (!done) {
      if (Date.now() > deadline) throw new Error(`${options.name} was not answered within 10 minutes`);
      await sleep(10);
      done = logs.events.find((line) => line.file === options.name && final(line.event));
    }
    const peakRssMb = sampler.stop();
    if (done.event !== 'file.processed') throw new Error(`the bench file ended ${done.event}: ${String(done.reason ?? done.reason_code ?? '')}`);
    const began = logs.events.find((line) => line.file === options.name && line.event === 'file.processing');
    const seconds = (Date.parse(done.timestamp) - Date.parse(began?.timestamp ?? done.timestamp)) / 1000;
    const bytes = (await stat(options.file)).size;
    return { seconds, mbPerS: bytes / 1e6 / Math.max(seconds, 0.001), peakRssMb, state: 'processed' };
  } finally {
    await daemon.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}
