/**
 * `npm run torture:cluster [-- --rounds N] [--seed S] [--nodes 3]`: the crash loop on several
 * nodes — each its own `posdrop serve` with its own ports and `store.node_id`, one throwaway
 * PostgreSQL, one shared data directory — with the partner's sessions spread over the nodes round
 * robin and `kill -9` of the node at each chosen moment, then the same comparison with the files'
 * ground truth as `torture:crash`. Exits 1 on any loss, duplicate or mismatch.
 */
import { parseArgs } from 'node:util';
import { findPostgresBin, startPostgres } from '../bench/support/postgres-server.js';
import { runCrashLoop } from './crash-run.js';
import { printCrashReport } from './crash-report.js';

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '50' },
    seed: { type: 'string', default: String(Date.now() % 1_000_000) },
    nodes: { type: 'string', default: '3' },
  },
});
const rounds = Number(values.rounds);
const seed = Number(values.seed);
const nodes = Number(values.nodes);
if (!Number.isInteger(rounds) || rounds < 0 || !Number.isInteger(seed) || !Number.isInteger(nodes) || nodes < 1 || nodes > 9) {
  process.stderr.write('usage: npm run torture:cluster -- [--rounds N] [--seed S] [--nodes 1-9]\n');
  process.exit(2);
}
if (!findPostgresBin()) {
  process.stderr.write('torture:cluster needs PostgreSQL: no initdb and pg_ctl under /usr/lib/postgresql/*/bin (apt-get install postgresql)\n');
  process.exit(2);
}

const server = await startPostgres();
try {
  const storeUrl = await server.createDatabase('posdrop_cluster');
  process.stdout.write(`cluster loop: ${nodes} nodes on PostgreSQL ${server.port}, ${rounds} rounds, seed ${seed} (--seed ${seed} runs the same plan and moments)\n`);
  const report = await runCrashLoop({
    rounds,
    seed,
    nodes,
    storeUrl,
    onRound: (round, phase, _aimed, node) => {
      if (process.stderr.isTTY) process.stderr.write(`\rround ${round}/${rounds}: killed node ${node} ${phase.padEnd(8)}`);
    },
  });
  process.exitCode = printCrashReport(report);
} finally {
  server.stop();
}
