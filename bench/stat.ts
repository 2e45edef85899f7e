/**
 * `npm run bench stat`: only the stat probe of the load section, three times on one daemon, for
 * a quick before/after of how long an SFTP request waits behind a 51 MB batch being processed.
 */
import { mkdtemp } from 'node:fs/promises';
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
      for (let round = 0; round < ROUNDS; round += 1) {
        const big = await probeBigFile((user) => connect(daemon.port, user, keys.private), logs, work, `big${round}`, 'probe');
        process.stdout.write(
          `round ${round + 1}: ${(big.bytes / 1e6 / big.seconds).toFixed(1)} MB/s upload start → receipt (${big.state}); ${big.statMs.length} stats: ` +
            `p50 ${percentile(big.statMs, 50).toFixed(1)} ms, p99 ${percentile(big.statMs, 99).toFixed(1)} ms, max ${Math.max(...big.statMs).toFixed(1)} ms\n`,
        );
      }
    } finally {
      await daemon.stop();
    }
  },
};
