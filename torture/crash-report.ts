/** The crash loop's report as `torture:crash` and `torture:cluster` print it. */
import type { CrashReport } from './crash-run.js';

/** Prints `report` to stdout; returns the exit code (1 on any problem). */
export function printCrashReport(report: CrashReport): number {
  if (process.stderr.isTTY) process.stderr.write('\r\x1b[K');
  const phases = Object.entries(report.byPhase)
    .map(([phase, count]) => `${phase} ${count}`)
    .join(', ');
  const nodes = report.byNode.length > 1 ? `kills by node: ${report.byNode.map((count, index) => `node-${index + 1} ${count}`).join(', ')}\n` : '';
  process.stdout.write(
    `rounds ${report.rounds}, kills ${report.kills}, files ${report.files}, records ${report.records}, lost ${report.lost}, duplicated ${report.duplicated}\n` +
      `kills by moment: ${phases}\n${nodes}`,
  );
  for (const problem of report.problems) process.stdout.write(`- ${problem}\n`);
  return report.problems.length > 0 ? 1 : 0;
}
