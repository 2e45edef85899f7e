/**
 * SFTP intake against OpenSSH's own server, same client (OpenSSH `sftp -b`), same run:
 * one 50 MB upload (MB/s, peak daemon RSS) and 1000 uploads of 2 KB (files/s).
 */
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { recordFigure } from './goals.js';
import type { BenchSection } from './sections.js';
import { keyPair, median, posdrop, rssMb, sampleRss, sleep, startDaemon, startSshd, timedSftp } from './support/processes.js';

const BIG_MB = 50;
const SMALL_FILES = 1000;
const ROUNDS = 3;

export const sftpSection: BenchSection = {
  name: 'sftp',
  title: `SFTP upload: posdrop vs OpenSSH sshd (internal-sftp), OpenSSH sftp -b as the client`,
  async run() {
    const work = await mkdtemp(path.join(tmpdir(), 'posdrop-bench-files-'));
    const { keyFile, publicKey } = await keyPair(work);
    const big = path.join(work, 'big.bin');
    await writeFile(big, randomBytes(BIG_MB * 1024 * 1024));
    const small = path.join(work, 'small');
    await mkdir(small);
    for (let i = 0; i < SMALL_FILES; i += 1) await writeFile(path.join(small, `f${i}.bin`), randomBytes(2048));

    // The transfer is what is measured, of names no format takes: they are refused after the upload
    // (a receipt each, as before), not at OPEN, which `sftp -b` would stop the batch at.
    const daemon = await startDaemon({ config: { intake: { refuse_names_at_upload: false } } });
    posdrop(daemon, ['partners', 'add', 'bench', '--format', 'all', '--key', publicKey]);
    const sshd = await startSshd(publicKey);
    try {
      const idleRss = rssMb(daemon.pid);
      const ours: number[] = [];
      const theirs: number[] = [];
      let peakRss = 0;
      for (let round = 0; round < ROUNDS; round += 1) {
        if (typeof sshd !== 'string') {
          const run = await timedSftp(sshd.port, sshd.user, keyFile, [`put ${big} ${sshd.target}/big-${round}.bin`]);
          theirs.push(BIG_MB / run.seconds);
        }
        const sampler = sampleRss(daemon.pid);
        const run = await timedSftp(daemon.port, 'bench', keyFile, [`put ${big} /inbox/big-${round}.bin`]);
        peakRss = Math.max(peakRss, sampler.stop());
        ours.push(BIG_MB / run.seconds);
        await settle(daemon.dataDir, round + 1);
      }
      // New names each round: the same name and bytes again would be the same file, answered
      // again but never a new receipt, and the round would wait for receipts that never come.
      const smallCommands = (dir: string, round: number) => [
        `cd ${dir}`,
        ...Array.from({ length: SMALL_FILES }, (_, i) => `put ${small}/f${i}.bin r${round}-f${i}.bin`),
      ];
      const oursSmall: number[] = [];
      const theirsSmall: number[] = [];
      for (let round = 0; round < 2; round += 1) {
        if (typeof sshd !== 'string') {
          const target = path.join(sshd.target, `small-${round}`);
          await mkdir(target);
          theirsSmall.push(SMALL_FILES / (await timedSftp(sshd.port, sshd.user, keyFile, smallCommands(target, round))).seconds);
        }
        const run = await timedSftp(daemon.port, 'bench', keyFile, smallCommands('/inbox', round));
        oursSmall.push(SMALL_FILES / run.seconds);
        await settle(daemon.dataDir, ROUNDS + SMALL_FILES * (round + 1), 120_000);
      }
      report(median(ours), typeof sshd === 'string' ? undefined : median(theirs), 'MB/s', `upload of one ${BIG_MB} MB file`, 1.5);
      report(median(oursSmall), typeof sshd === 'string' ? undefined : median(theirsSmall), 'files/s', `${SMALL_FILES} uploads of 2 KB in one session`, 1.0);
      const rssMet = peakRss < 150;
      recordFigure({ what: `daemon peak RSS during the ${BIG_MB} MB uploads`, value: `${peakRss.toFixed(0)} MB (idle ${idleRss.toFixed(0)} MB)`, goal: '< 150 MB', met: rssMet });
      process.stdout.write(`daemon RSS: idle ${idleRss.toFixed(0)} MB, peak during the ${BIG_MB} MB uploads ${peakRss.toFixed(0)} MB (goal < 150 MB)\n`);
      if (typeof sshd === 'string') process.stdout.write(`(no sshd reference: ${sshd})\n`);
    } finally {
      await daemon.stop();
      if (typeof sshd !== 'string') await sshd.stop();
    }
  },
};

function report(ours: number, theirs: number | undefined, unit: string, what: string, goal: number): void {
  const ratio = theirs ? `  ratio ${(ours / theirs).toFixed(2)}× (goal ≥ ${goal}×)` : '';
  const reference = theirs ? `  sshd ${theirs.toFixed(1)} ${unit}` : '';
  recordFigure({
    what: `${what}, vs sshd internal-sftp`,
    value: theirs ? `${(ours / theirs).toFixed(2)}× (${ours.toFixed(1)} vs ${theirs.toFixed(1)} ${unit})` : `${ours.toFixed(1)} ${unit}, no sshd`,
    goal: `≥ ${goal}×${unit === 'files/s' ? ', CLOSE still durable' : ''}`,
    met: theirs !== undefined && ours / theirs >= goal,
  });
  process.stdout.write(`${what.padEnd(40)} posdrop ${ours.toFixed(1)} ${unit}${reference}${ratio}\n`);
}

/** Waits until the daemon has answered `receipts` files, so rounds do not overlap. */
async function settle(dataDir: string, receipts: number, timeoutMs = 60_000): Promise<void> {
  const outbox = path.join(dataDir, 'partners', 'bench', 'outbox');
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const names = await readdir(outbox).catch(() => []);
    if (names.filter((name) => name.endsWith('.receipt.json')).length >= receipts) return;
    await sleep(50);
  }
}
