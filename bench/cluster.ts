/**
 * `npm run bench cluster`: the engines and the nodes. First one node's ingest of the CrowdTwist
 * batch and of the Carma and PBJ files on SQLite and on PostgreSQL (`posdrop serve`, parse to
 * commit); then the load bench's mixed workload (20 files of the four formats per partner, every
 * partner's session to the next node, round robin) on 1, 2 and 3 nodes sharing one throwaway
 * PostgreSQL and one data directory, from the first upload to the last file answered.
 * Goals: PostgreSQL ≥ 0.7 × SQLite's MB/s on one node; 2 nodes ≥ 1.6 × one node's files/s.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { crowdtwistOnStore } from './crowdtwist.js';
import { delimitedOnStore } from './delimited.js';
import { recordFigure } from './goals.js';
import { loadFiles, toolboxConfig } from './load-files.js';
import type { BenchSection } from './sections.js';
import { Cluster } from './support/cluster.js';
import { openLedgerReader } from './support/ledger-reader.js';
import { findPostgresBin, startPostgres, type PostgresServer } from './support/postgres-server.js';
import { keyPair, posdrop, runSftp, sleep } from './support/processes.js';

const GOAL_ENGINE_RATIO = 0.7;
const GOAL_TWO_NODES = 1.6;
const PARTNERS = Number(process.env.BENCH_CLUSTER_PARTNERS ?? 12);

interface Round {
  nodes: number;
  files: number;
  bytes: number;
  seconds: number;
  processed: number;
}

let databases = 0;
const freshDatabase = (server: PostgresServer) => server.createDatabase(`bench_${(databases += 1)}`);

/** SQLite against PostgreSQL on one node, for one file kind; records the goal. */
async function engines(server: PostgresServer, what: string, run: (storeUrl: string) => Promise<{ mbPerS: number; seconds: number; peakRssMb: number }>): Promise<void> {
  const sqlite = await run('');
  const postgres = await run(await freshDatabase(server));
  const ratio = postgres.mbPerS / sqlite.mbPerS;
  for (const [engine, result] of [['SQLite', sqlite], ['PostgreSQL', postgres]] as const) {
    process.stdout.write(`| ${what} | ${engine} | ${result.seconds.toFixed(2)} | ${result.mbPerS.toFixed(1)} | ${result.peakRssMb.toFixed(0)} |\n`);
  }
  recordFigure({
    what: `${what}, one node: PostgreSQL vs SQLite ingest`,
    value: `${ratio.toFixed(2)}× (${postgres.mbPerS.toFixed(1)} vs ${sqlite.mbPerS.toFixed(1)} MB/s)`,
    goal: `≥ ${GOAL_ENGINE_RATIO}×`,
    met: ratio >= GOAL_ENGINE_RATIO,
  });
}

/** The mixed workload on `nodes` nodes of a fresh database: every partner's 20 files, all at once. */
async function round(server: PostgresServer, nodes: number): Promise<Round> {
  const work = await mkdtemp(path.join(tmpdir(), 'posdrop-bench-cluster-'));
  const dataDir = path.join(work, 'data');
  await mkdir(dataDir);
  const partners = Array.from({ length: PARTNERS }, (_, i) => `c${String(i + 1).padStart(2, '0')}`);
  const storeUrl = await freshDatabase(server);
  const config = { sftp: { max_connections_per_address: PARTNERS + 8 }, clienttoolbox: toolboxConfig(partners) };
  const cluster = await Cluster.start({ dataDir, config, nodes, storeUrl });
  const reader = openLedgerReader({ dataDir, url: storeUrl });
  try {
    const { keyFile, publicKey } = await keyPair(work);
    for (const id of partners) posdrop(cluster.node(0).daemon, ['partners', 'add', id, '--format', 'all', '--client-id', id, '--channel', 'direct-mail', '--key', publicKey]);
    let bytes = 0;
    const batches: { partner: string; puts: string[] }[] = [];
    for (const partner of partners) {
      const dir = path.join(work, 'files', partner);
      await mkdir(dir, { recursive: true });
      const puts: string[] = [];
      for (const file of loadFiles(partner)) {
        await writeFile(path.join(dir, file.name), file.content);
        bytes += Buffer.byteLength(file.content);
        puts.push(`put ${path.join(dir, file.name)} /inbox/${file.name}`);
      }
      batches.push({ partner, puts });
    }
    const files = batches.reduce((sum, batch) => sum + batch.puts.length, 0);
    const started = performance.now();
    const sessions = await Promise.all(batches.map((batch) => runSftp(cluster.next().port as number, batch.partner, keyFile, batch.puts)));
    const failed = sessions.find((session) => session.code !== 0);
    if (failed) throw new Error(`an upload session failed: ${failed.stderr.trim()}`);
    const final = "SELECT count(*) FROM files WHERE state IN ('processed', 'rejected', 'failed')";
    const deadline = Date.now() + 600_000;
    while ((await reader.value<number>(final)) < files) {
      if (Date.now() > deadline) throw new Error(`${nodes} nodes did not answer ${files} files within 10 minutes`);
      await sleep(20);
    }
    const seconds = (performance.now() - started) / 1000;
    const processed = await reader.value<number>("SELECT count(*) FROM files WHERE state = 'processed'");
    return { nodes, files, bytes, seconds, processed };
  } finally {
    await cluster.stop();
    await reader.close();
    await rm(work, { recursive: true, force: true });
  }
}

/** The `cluster` section of `npm run bench`. */
export const clusterSection: BenchSection = {
  name: 'cluster',
  title: 'SQLite vs PostgreSQL on one node, and the mixed workload on 1, 2 and 3 nodes of one PostgreSQL (MB = 10^6 bytes)',
  async run() {
    if (!findPostgresBin()) {
      process.stdout.write('skipped: no initdb and pg_ctl under /usr/lib/postgresql/*/bin (apt-get install postgresql)\n');
      return;
    }
    const server = await startPostgres();
    try {
      await measureCluster(server);
    } finally {
      server.stop();
    }
  },
};

/** The engines on one node, then the mixed workload on 1, 2 and 3 nodes. */
async function measureCluster(server: PostgresServer): Promise<void> {
  process.stdout.write('one node, `posdrop serve`, from taking the file to its commit:\n\n| file | store | seconds | MB/s | peak RSS MB |\n| --- | --- | ---: | ---: | ---: |\n');
  await engines(server, 'CrowdTwist batch ~50 MB', (url) => crowdtwistOnStore(url));
  await engines(server, 'Carma ~50 MB', (url) => delimitedOnStore('carma', url));
  await engines(server, 'PBJ ~50 MB', (url) => delimitedOnStore('pbj', url));

  process.stdout.write(`\n${PARTNERS} partners × 20 mixed files (BENCH_CLUSTER_PARTNERS), one session each, round robin over the nodes:\n\n`);
  process.stdout.write('| nodes | files | MB | seconds | files/s | MB/s | processed |\n| ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n');
  const rounds: Round[] = [];
  for (const nodes of [1, 2, 3]) {
    const result = await round(server, nodes);
    rounds.push(result);
    const cells = [nodes, result.files, (result.bytes / 1e6).toFixed(1), result.seconds.toFixed(2), (result.files / result.seconds).toFixed(1), (result.bytes / 1e6 / result.seconds).toFixed(1), `${result.processed}/${result.files}`];
    process.stdout.write(`| ${cells.join(' | ')} |\n`);
  }
  const [one, two] = rounds as [Round, Round];
  const scale = two.files / two.seconds / (one.files / one.seconds);
  const whole = rounds.every((result) => result.processed === result.files);
  recordFigure({
    what: `mixed workload, 2 nodes vs 1 node of one PostgreSQL (${one.files} files)`,
    value: `${scale.toFixed(2)}× (${(two.files / two.seconds).toFixed(1)} vs ${(one.files / one.seconds).toFixed(1)} files/s)${whole ? '' : ', some files not processed'}`,
    goal: `≥ ${GOAL_TWO_NODES}×, every file processed`,
    met: scale >= GOAL_TWO_NODES && whole,
  });
}
