/**
 * `npm run fuzz [-- --per-format N] [--seed S] [--batch B] [--format F]…` (B files at a time): mutated files of every format
 * through the daemon's way in (torture/fuzz-run.ts). Prints what became of the inputs, keeps every
 * finding's bytes in fuzz-findings/ to make a fixture of, and exits 1 if there was any.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { FORMAT_IDS, isFormatId, type FormatId } from '../src/formats/types.js';
import { runFuzz } from './fuzz-run.js';

const MEMORY_BOUND_MB = 400;

const { values } = parseArgs({
  options: {
    'per-format': { type: 'string', default: '10000' },
    seed: { type: 'string', default: String(Date.now() % 1_000_000) },
    format: { type: 'string', multiple: true },
    batch: { type: 'string', default: '32' },
  },
});
const perFormat = Number(values['per-format']);
const batch = Number(values.batch);
const seed = Number(values.seed);
const formats = (values.format ?? [...FORMAT_IDS]).filter((id): id is FormatId => isFormatId(id));
if (!Number.isInteger(perFormat) || perFormat < 1 || !Number.isInteger(seed) || !Number.isInteger(batch) || batch < 1 || formats.length !== (values.format ?? FORMAT_IDS).length) {
  process.stderr.write(`usage: npm run fuzz -- [--per-format N] [--seed S] [--batch B] [--format ${FORMAT_IDS.join('|')}]…\n`);
  process.exit(2);
}

process.stdout.write(`fuzz: ${perFormat} inputs per format, seed ${seed} (--seed ${seed} makes the same inputs)\n`);
const report = await runFuzz({
  perFormat,
  seed,
  formats,
  batch,
  onProgress: (format, done) => {
    if (process.stderr.isTTY) process.stderr.write(`\r${format}: ${done}/${perFormat}`);
  },
});
if (process.stderr.isTTY) process.stderr.write('\r\x1b[K');

const rows = formats.map((format) => {
  const tally = report.tallies[format]!;
  const reasons = Object.entries(tally.reasons)
    .sort((a, b) => b[1] - a[1])
    .map(([code, count]) => `${code} ${count}`)
    .join(', ');
  return `| ${format} | ${tally.inputs} | ${tally.processed} | ${tally.partial} | ${tally.rejected} | ${(tally.inputs / tally.seconds).toFixed(0)} | ${reasons} |`;
});
process.stdout.write(
  [
    '| format | inputs | all accepted | partly accepted | refused | inputs/s | refusals by reason |',
    '| --- | ---: | ---: | ---: | ---: | ---: | --- |',
    ...rows,
    '',
    `findings: ${report.findings.length}; peak RSS ${report.peakRssMb.toFixed(0)} MB (bound ${MEMORY_BOUND_MB} MB)`,
    '',
  ].join('\n'),
);
for (const finding of report.findings) {
  const dir = path.join('fuzz-findings', finding.format);
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, finding.name), finding.data);
  process.stdout.write(`- ${finding.format} #${finding.input} (${finding.mutations.join(', ')}): ${finding.problem}\n  kept as ${path.join(dir, finding.name)}\n`);
}
process.exitCode = report.findings.length > 0 || report.peakRssMb > MEMORY_BOUND_MB ? 1 : 0;
