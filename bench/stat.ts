/**
 * `npm run bench stat`: only the stat probe of the load section, three times on one daemon, for
 * a quick before/after of how long an SFTP request waits behind a 51 MB batch being processed,
 * beside the daemon's own event-loop delay over the same time (prom-client's
 * `nodejs_eventloop_lag_*`, whose histogram starts again at each scrape): a stat that waits as
 * long as the loop stood still waited for the loop, not for the disk or the network.
 */
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { generateEd25519KeyPair } from '../src/security/ed25519.js';
import { probeBigFile } from './big-file-probe.js';
import { addPartners, connect } from './load.js';
import type { BenchSection } from './sections.js';
import { DaemonLogs, percentile } from './support/daemon-logs.js';
import { startDaemon } from './support/processes.js';

const ROUNDS = 3;

export const statSection: BenchSection = {
  name: 'stat',
  title: `SFTP stat from another session while a 51 MB CrowdTwist batch is processed, ${ROUNDS} rounds`,
  async run() {
    const keys = generateEd25519KeyPair();
    const partners = [...Array.from({ length: ROUNDS }, (_, i) => `big${i}`), 'probe'];
    const daemon = await startDaemon({ logs: true });
    const logs = daemon.logs as DaemonLogs;
    try {
      addPartners(daemon, partners, keys.public);
      const work = await mkdtemp(path.join(tmpdir(), 'posdrop-stat-'));
      const loopDelay = await eventLoopDelay(daemon.dataDir);
      for (let round = 0; round < ROUNDS; round += 1) {
        await loopDelay(); // the histogram starts again
        const big = await probeBigFile((user) => connect(daemon.port, user, keys.private), logs, work, `big${round}`, 'probe');
        process.stdout.write(
          `round ${round + 1}: ${(big.bytes / 1e6 / big.seconds).toFixed(1)} MB/s upload start → receipt (${big.state}); ${big.statMs.length} stats: ` +
            `p50 ${percentile(big.statMs, 50).toFixed(1)} ms, p99 ${percentile(big.statMs, 99).toFixed(1)} ms, max ${Math.max(...big.statMs).toFixed(1)} ms; ` +
            `the daemon's event loop meanwhile: ${await loopDelay()}\n`,
        );
      }
    } finally {
      await daemon.stop();
    }
  },
};

/** Reads the daemon's event-loop delay since the last call, as "p50 …, p99 …, max … ms". */
async function eventLoopDelay(dataDir: string): Promise<() => Promise<string>> {
  const runtime = JSON.parse(await readFile(path.join(dataDir, 'daemon.json'), 'utf8')) as { http: { port: number } | null };
  if (!runtime.http) return async () => 'not measured (http.enabled is off)';
  const url = `http://127.0.0.1:${runtime.http.port}/metrics`;
  return async () => {
    const text = await (await fetch(url)).text();
    const ms = (name: string) => {
      const value = new RegExp(`^nodejs_eventloop_lag_${name}_seconds (\\S+)$`, 'm').exec(text)?.[1];
      return value === undefined ? '?' : (Number(value) * 1000).toFixed(1);
    };
    return `p50 ${ms('p50')} ms, p99 ${ms('p99')} ms, max ${ms('max')} ms`;
  };
}
