/**
 * The crash loop: the real daemon (`posdrop serve`, its own process) on one data directory — or
 * several nodes sharing it and one PostgreSQL store (torture/cluster.ts) — a partner uploading
 * the plan's files over SFTP (OpenSSH `sftp -b`, each session to the next node), and `kill -9` at
 * chosen moments — mid-upload, mid-parse, near the commit, right after an answer — of the node
 * that is at that moment, then its restart, round after round. At the end, with every file in and
 * the nodes idle, the store is compared with the ground truth of the files
 * (torture/crash-plan.ts) and every receipt with the store.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { DaemonLogs } from '../bench/support/daemon-logs.js';
import { keyPair, posdrop, runSftp, sleep } from '../bench/support/processes.js';
import { seededRandom, type Random } from '../bench/support/seeded-random.js';
import { Cluster, type ClusterNode } from '../bench/support/cluster.js';
import { CHANNELS, crashPlan, FULL_SIZE, PARTNER, recordCount, sha256Of, type CrashPlan, type PlanSize, type Upload } from './crash-plan.js';
import { checkAgainstTruth, type Tally } from './crash-check.js';
import { openLedgerReader, type LedgerReader } from '../bench/support/ledger-reader.js';

const KILL_PHASES = ['upload', 'parse', 'commit', 'answer'] as const;
export type KillPhase = (typeof KILL_PHASES)[number] | 'idle';

/** How long a crash loop runs, and from which seed (the plan and the moments of the kills). */
export interface CrashOptions {
  rounds: number;
  seed: number;
  size?: PlanSize;
  /** Nodes sharing the data directory and the store (1 by default: one daemon). */
  nodes?: number;
  /** A `postgres://` URL of an empty database the nodes share; absent: the SQLite file. */
  storeUrl?: string;
  /** After each kill: the moment it hit, the one it aimed at, and which node (from 1) it killed. */
  onRound?: (round: number, phase: KillPhase, aimed: KillPhase, node: number) => void;
}

/** What a crash loop did and what it found. */
export interface CrashReport extends Tally {
  rounds: number;
  kills: number;
  byPhase: Record<KillPhase, number>;
  /** Kills by node (from 1). */
  byNode: number[];
  files: number;
  records: number;
  /** Everything that is not as the truth says, one line each (lost and duplicated included). */
  problems: string[];
}

/**
 * The partner's side: the plan's uploads in order, each until it is delivered. A kill can take the
 * reply to a CLOSE whose file did land; sent again, that upload is refused while its file waits in
 * the inbox (held, it may wait for an upload later in the plan). So a failed `put` counts as
 * delivered when the ledger holds a row of its name and bytes for it, as a partner who lists
 * /inbox would see: as many rows as the times the plan sends those bytes under that name so far.
 */
class Uploader {
  private next = 0;
  /** For each upload: the how-manieth time the plan sends its name and bytes (from 1). */
  private readonly occurrence: number[];
  /** Set while a `put` runs: the upload and the node it goes to. */
  inFlight: { upload: Upload; node: number } | undefined;
  private readonly started: ((sending: { upload: Upload; node: number }) => void)[] = [];

  constructor(
    private readonly plan: CrashPlan,
    private readonly files: string[],
    private readonly keyFile: string,
    private readonly reader: LedgerReader,
  ) {
    const seen = new Map<string, number>();
    this.occurrence = plan.uploads.map((upload) => {
      const key = `${upload.name}/${sha256Of(upload)}`;
      seen.set(key, (seen.get(key) ?? 0) + 1);
      return seen.get(key) as number;
    });
  }

  get done(): boolean {
    return this.next >= this.plan.uploads.length;
  }

  /** Resolves when a `put` runs (at once if one does; undefined when nothing is left to send). */
  whenStarted(): Promise<{ upload: Upload; node: number } | undefined> {
    if (this.inFlight || this.done) return Promise.resolve(this.inFlight);
    return new Promise((resolve) => this.started.push(resolve));
  }

  /**
   * Sends up to `count` uploads, each session to the cluster's next node; stops at the first that
   * fails (its node was killed, or its name is still pending: a new upload never replaces a
   * waiting file), to try it again later.
   */
  async send(cluster: Cluster, count: number): Promise<void> {
    for (let sent = 0; sent < count && !this.done; sent += 1) {
      const upload = this.plan.uploads[this.next] as Upload;
      const { index, port } = cluster.next();
      if (port === undefined) return; // that node is down: the balancer's health check would skip it
      this.inFlight = { upload, node: index };
      for (const notify of this.started.splice(0)) notify(this.inFlight);
      const run = await runSftp(port, PARTNER, this.keyFile, [`put ${this.files[this.next]} /inbox/${upload.name}`]);
      this.inFlight = undefined;
      if (run.code !== 0 && !(await this.landed(upload, this.occurrence[this.next] as number))) return;
      this.next += 1;
    }
  }

  /** The ledger has a row for this sending of the upload's name and bytes: its file is in. */
  private async landed(upload: Upload, occurrence: number): Promise<boolean> {
    const rows = await this.reader.value<number>('SELECT count(*) FROM files WHERE partner_id = ? AND name = ? AND sha256 = ?', [PARTNER, upload.name, sha256Of(upload)]);
    return rows >= occurrence;
  }
}

/** Milliseconds each file's processing took when it was seen whole, to aim kills inside it. */
function learnTimes(logs: DaemonLogs, into: Map<string, number>): void {
  const began = new Map<string, number>();
  for (const line of logs.events) {
    if (line.event === 'file.processing' && line.file) began.set(line.file, Date.parse(line.timestamp));
    if ((line.event === 'file.processed' || line.event === 'file.rejected') && line.file && began.has(line.file)) {
      into.set(line.file, Date.parse(line.timestamp) - (began.get(line.file) as number));
    }
  }
}

/** Where each node's log stood when the moment was chosen. */
type LogMarks = Map<ClusterNode, number>;

const marks = (cluster: Cluster): LogMarks => new Map(cluster.nodes.map((node) => [node, node.logs.events.length]));

/**
 * Resolves with the first log event past the marks that `match` accepts, on whichever node logs
 * it, or undefined after `ms`.
 */
async function nextEvent(from: LogMarks, match: (event: string) => boolean, ms: number): Promise<{ node: ClusterNode; file?: string } | undefined> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    for (const [node, mark] of from) {
      const found = node.logs.events.slice(mark).find((line) => match(line.event) && line.dry_run !== true);
      if (found) return { node, ...(found.file ? { file: found.file } : {}) };
    }
    await sleep(1);
  }
  return undefined;
}

/**
 * Waits for the moment `phase` names, then kills the node that is at it (the one receiving the
 * upload, or parsing, or answering; a random one when the moment never came); says which moment
 * it was and which node.
 */
async function killAt(phase: KillPhase, cluster: Cluster, uploader: Uploader, random: Random, times: Map<string, number>): Promise<{ hit: KillPhase; node: number }> {
  const from = marks(cluster);
  let hit: KillPhase = 'idle';
  let victim: number | undefined;
  if (phase === 'upload') {
    const sending = await Promise.race([uploader.whenStarted(), sleep(3000)]);
    if (sending) {
      // `sftp` logs in first (tens of ms), then writes: somewhere in the session.
      await sleep(random() * 150);
      if (uploader.inFlight) [hit, victim] = ['upload', uploader.inFlight.node];
    }
  } else if (phase === 'parse' || phase === 'commit') {
    const started = await nextEvent(from, (event) => event === 'file.processing', 5000);
    if (started) {
      const took = times.get(started.file ?? '') ?? 40;
      await sleep(phase === 'parse' ? random() * 0.6 * took : (0.6 + random() * 0.5) * took);
      [hit, victim] = [phase, started.node.index];
    }
  } else if (phase === 'answer') {
    const answered = await nextEvent(from, (event) => event === 'file.processed' || event === 'file.rejected' || event === 'file.held', 5000);
    if (answered) {
      await sleep(random() * 3);
      [hit, victim] = ['answer', answered.node.index];
    }
  }
  const node = victim ?? Math.floor(random() * cluster.size);
  await cluster.killNode(node);
  return { hit, node };
}

/** Pending rows: the nodes have work left. */
async function busy(reader: LedgerReader): Promise<boolean> {
  return (await reader.value<number>("SELECT count(*) FROM files WHERE state NOT IN ('processed', 'rejected')")) > 0;
}

/** Runs the plan of `options.seed` with `options.rounds` kills, then compares the store with its truth. */
export async function runCrashLoop(options: CrashOptions): Promise<CrashReport> {
  const nodes = options.nodes ?? 1;
  if (nodes > 1 && !options.storeUrl) throw new Error('several nodes share a PostgreSQL store: give storeUrl');
  const random = seededRandom(options.seed);
  const plan = crashPlan(options.seed, options.size ?? FULL_SIZE);
  const work = await mkdtemp(path.join(tmpdir(), 'posdrop-crash-loop-'));
  const dataDir = path.join(work, 'data');
  await mkdir(dataDir);
  const files: string[] = [];
  for (const [index, upload] of plan.uploads.entries()) {
    const dir = path.join(work, 'uploads', String(index));
    await mkdir(dir, { recursive: true });
    files.push(path.join(dir, upload.name));
    await writeFile(files[index] as string, upload.content);
  }
  const { keyFile, publicKey } = await keyPair(work);
  const byPhase: Record<KillPhase, number> = { upload: 0, parse: 0, commit: 0, answer: 0, idle: 0 };
  const byNode = Array.from({ length: nodes }, () => 0);
  const times = new Map<string, number>();
  let cluster: Cluster | undefined;
  const reader = openLedgerReader({ dataDir, url: options.storeUrl ?? '' });
  try {
    cluster = await Cluster.start({ dataDir, config: plan.config, nodes, storeUrl: options.storeUrl ?? '' });
    const uploader = new Uploader(plan, files, keyFile, reader);
    posdrop(cluster.node(0).daemon, ['partners', 'add', PARTNER, '--format', 'all', '--client-id', PARTNER, ...CHANNELS.flatMap((channel) => ['--channel', channel]), '--key', publicKey]);
    for (let round = 1; round <= options.rounds; round += 1) {
      const phase = KILL_PHASES[Math.floor(random() * KILL_PHASES.length)] as KillPhase;
      // Paced so that the plan lasts all the rounds: every round has files in flight to kill.
      const pace = (2 * plan.uploads.length) / options.rounds;
      const sending = uploader.send(cluster, Math.max(1, Math.round(random() * pace)));
      const { hit, node } = await killAt(phase, cluster, uploader, random, times);
      await sending;
      for (const running of cluster.nodes) learnTimes(running.logs, times);
      byPhase[hit] += 1;
      byNode[node] = (byNode[node] ?? 0) + 1;
      options.onRound?.(round, hit, phase, node + 1);
      await cluster.restart(node);
    }
    // The rest, without kills: everything the partner sends gets in, and the nodes finish.
    const deadline = Date.now() + 600_000;
    while (!uploader.done || (await busy(reader))) {
      if (Date.now() > deadline) throw new Error('the daemon did not finish the plan within 10 minutes');
      if (!uploader.done) await uploader.send(cluster, plan.uploads.length);
      await sleep(100);
    }
    await cluster.stop();
    const tally = await checkAgainstTruth(reader, dataDir, plan);
    return {
      rounds: options.rounds,
      kills: options.rounds,
      byPhase,
      byNode,
      files: plan.uploads.length,
      records: recordCount(plan.truth),
      ...tally,
    };
  } finally {
    await cluster?.kill();
    await reader.close();
    await rm(work, { recursive: true, force: true });
  }
}
