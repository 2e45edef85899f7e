/**
 * `npm run torture:crash [-- --rounds N] [--seed S]`: kills the daemon with SIGKILL at chosen
 * moments while a partner uploads all four formats, restarts it, and compares the database with
 * the files' ground truth (torture/crash-run.ts). Exits 1 on any loss, duplicate or mismatch.
 */
import { parseArgs } from 'node:util';
import { runCrashLoop } from './crash-run.js';
import { printCrashReport } from './crash-report.js';

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '50' },
    seed: { type: 'string', default: String(Date.now() % 1_000_000) },
  },
});
const rounds = Number(values.rounds);
const seed = Number(values.seed);
if (!Number.isInteger(rounds) || rounds < 0 || !Number.isInteger(seed)) {
  process.stderr.write('usage: npm run torture:crash -- [--rounds N] [--seed S]\n');
  process.exit(2);
}

process.stdout.write(`crash loop: ${rounds} rounds, seed ${seed} (--seed ${seed} runs the same plan and moments)\n`);
const report = await runCrashLoop({
  rounds,
  seed,
  onRound: (round, phase) => {
    if (process.stderr.isTTY) process.stderr.write(`\rround ${round}/${rounds}: killed ${phase.padEnd(8)}`);
  },
});
process.exitCode = printCrashReport(report);
