/**
 * The crash loop: the real daemon (`posdrop serve`, its own process) on one data directory, a
 * partner uploading the plan's files over SFTP (OpenSSH `sftp -b`), and `kill -9` at chosen moments
 * — mid-upload, mid-parse, near the commit, right after an answer — then a restart, round after
 * round. At the end, with every file in and the daemon idle, the database is compared with the
 * ground truth of the files (torture/crash-plan.ts) and every receipt with the database.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { DaemonLogs } from '../bench/support/daemon-logs.js';
import { keyPair, posdrop, runSftp, sleep, startDaemon, type Daemon } from '../bench/support/processes.js';
import { seededRandom, type Random } from '../bench/support/seeded-random.js';
import { CHANNELS, crashPlan, FULL_SIZE, PARTNER, recordCount, sha256Of, type CrashPlan, type PlanSize, type Upload } from './crash-plan.js';
import { checkAgainstTruth, type Tally } from './crash-check.js';

const KILL_PHASES = ['upload', 'parse', 'commit', 'answer'] as const;
export type KillPhase = (typeof KILL_PHASES)[number] | 'idle';

/** How long a crash loop runs, and from which seed (the plan and the moments of the kills). */
export interface CrashOptions {
  rounds: number;
  seed: number;
  size?: PlanSize;
  /** After each kill. */
  onRound?: (round: number, phase: KillPhase, aimed: KillPhase) => void;
}

/** What a crash loop did and what it found. */
export interface CrashReport extends Tally {
  rounds: number;
  kills: number;
  byPhase: Record<KillPhase, number>;
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
  /** Set while a `put` runs. */
  inFlight: Upload | undefined;
  private readonly started: ((upload: Upload) => void)[] = [];

  constructor(
    private readonly plan: CrashPlan,
    private readonly files: string[],
    private readonly keyFile: string,
    private readonly dataDir: string,
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
  whenStarted(): Promise<Upload | undefined> {
    if (this.inFlight || this.done) return Promise.resolve(this.inFlight);
    return new Promise((resolve) => this.started.push(resolve));
  }

  /**
   * Sends up to `count` uploads; stops at the first that fails (the daemon was killed, or its name
   * is still pending: a new upload never replaces a waiting file), to try it again later.
   */
  async send(port: number, count: number): Promise<void> {
    for (let sent = 0; sent < count && !this.done; sent += 1) {
      const upload = this.plan.uploads[this.next] as Upload;
      this.inFlight = upload;
      for (const notify of this.started.splice(0)) notify(upload);
      const run = await runSftp(port, PARTNER, this.keyFile, [`put ${this.files[this.next]} /inbox/${upload.name}`]);
      this.inFlight = undefined;
      if (run.code !== 0 && !this.landed(upload, this.occurrence[this.next] as number)) return;
      this.next += 1;
    }
  }

  /** The ledger has a row for this sending of the upload's name and bytes: its file is in. */
  private landed(upload: Upload, occurrence: number): boolean {
    const rows = ledger(this.dataDir, (db) =>
      db.prepare('SELECT count(*) FROM files WHERE partner_id = ? AND name = ? AND sha256 = ?').pluck().get(PARTNER, upload.name, sha256Of(upload)),
    ) as number;
    return rows >= occurrence;
  }
}

/** Runs `query` on a read-only connection of its own (the daemon writes beside it). */
function ledger<T>(dataDir: string, query: (db: Database.Database) => T): T {
  const db = new Database(path.join(dataDir, 'posdrop.db'), { readonly: true });
  try {
    db.pragma('busy_timeout = 5000');
    return query(db);
  } finally {
    db.close();
  }
}

/** Milliseconds each file's processing took when it was seen whole, to aim kills inside it. */
function processingTimes(logs: DaemonLogs, into: Map<string, number>): void {
  const began = new Map<string, number>();
  for (const line of logs.events) {
    if (line.event === 'file.processing' && line.file) began.set(line.file, Date.parse(line.timestamp));
    if ((line.event === 'file.processed' || line.event === 'file.rejected') && line.file && began.has(line.file)) {
      into.set(line.file, Date.parse(line.timestamp) - (began.get(line.file) as number));
    }
  }
}

/** Resolves with the first log event past `from` that `match` accepts, or undefined after `ms`. */
async function nextEvent(logs: DaemonLogs, from: number, match: (event: string) => boolean, ms: number): Promise<{ file?: string } | undefined> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    const found = logs.events.slice(from).find((line) => match(line.event) && line.dry_run !== true);
    if (found) return found;
    await sleep(1);
  }
  return undefined;
}

/** Waits for the moment `phase` names, then kills the daemon; says which moment it was. */
async function killAt(phase: KillPhase, daemon: Daemon, logs: DaemonLogs, uploader: Uploader, random: Random, times: Map<string, number>): Promise<KillPhase> {
  const from = logs.events.length;
  let hit: KillPhase = 'idle';
  if (phase === 'upload') {
    if (await Promise.race([uploader.whenStarted(), sleep(3000)])) {
      // `sftp` logs in first (tens of ms), then writes: somewhere in the session.
      await sleep(random() * 150);
      hit = uploader.inFlight ? 'upload' : 'idle';
    }
  } else if (phase === 'parse' || phase === 'commit') {
    const started = await nextEvent(logs, from, (event) => event === 'file.processing', 5000);
    if (started) {
      const took = times.get(started.file ?? '') ?? 40;
      await sleep(phase === 'parse' ? random() * 0.6 * took : (0.6 + random() * 0.5) * took);
      hit = phase;
    }
  } else if (phase === 'answer') {
    if (await nextEvent(logs, from, (event) => event === 'file.processed' || event === 'file.rejected' || event === 'file.held', 5000)) {
      await sleep(random() * 3);
      hit = 'answer';
    }
  }
  await daemon.kill('SIGKILL');
  return hit;
}

async function start(dataDir: string, plan: CrashPlan): Promise<{ daemon: Daemon; logs: DaemonLogs }> {
  const daemon = await startDaemon({ dataDir, config: plan.config, logs: true });
  return { daemon, logs: new DaemonLogs(daemon.child.stdout!) };
}

/** Pending rows: the daemon has work left. */
function busy(dataDir: string): boolean {
  return ledger(dataDir, (db) => (db.prepare("SELECT count(*) FROM files WHERE state NOT IN ('processed', 'rejected')").pluck().get() as number) > 0);
}

/** Runs the plan of `options.seed` with `options.rounds` kills, then compares the database with its truth. */
export async function runCrashLoop(options: CrashOptions): Promise<CrashReport> {
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
  const times = new Map<string, number>();
  const uploader = new Uploader(plan, files, keyFile, dataDir);
  let { daemon, logs } = await start(dataDir, plan);
  try {
    posdrop(daemon, ['partners', 'add', PARTNER, '--format', 'all', '--client-id', PARTNER, ...CHANNELS.flatMap((channel) => ['--channel', channel]), '--key', publicKey]);
    for (let round = 1; round <= options.rounds; round += 1) {
      const phase = KILL_PHASES[Math.floor(random() * KILL_PHASES.length)] as KillPhase;
      // Paced so that the plan lasts all the rounds: every round has files in flight to kill.
      const pace = (2 * plan.uploads.length) / options.rounds;
      const sending = uploader.send(daemon.port, Math.max(1, Math.round(random() * pace)));
      const hit = await killAt(phase, daemon, logs, uploader, random, times);
      await sending;
      processingTimes(logs, times);
      byPhase[hit] += 1;
      options.onRound?.(round, hit, phase);
      ({ daemon, logs } = await start(dataDir, plan));
    }
    // The rest, without kills: everything the partner sends gets in, and the daemon finishes.
    const deadline = Date.now() + 600_000;
    while (!uploader.done || busy(dataDir)) {
      if (Date.now() > deadline) throw new Error('the daemon did not finish the plan within 10 minutes');
      if (!uploader.done) await uploader.send(daemon.port, plan.uploads.length);
      await sleep(100);
    }
    await daemon.stop();
    const tally = await checkAgainstTruth(dataDir, plan);
    return {
      rounds: options.rounds,
      kills: options.rounds,
      byPhase,
      files: plan.uploads.length,
      records: recordCount(plan.truth),
      ...tally,
    };
  } finally {
    await daemon.kill('SIGKILL');
    await rm(work, { recursive: true, force: true });
  }
}
