import { VERSION } from '../../version.js';
import { nodeAlive, NODE_ALIVE_MS, type ClusterNode } from '../../store/nodes.js';
import { redactedUrl } from '../../store/store-location.js';
import { runningDaemon } from '../daemon-runtime.js';
import type { Command } from '../command.js';
import { withContext } from '../context.js';
import { printFields, printJson, printTable } from '../output.js';

/** The exit status of `status` when the daemon is down: LSB's "program is not running". */
const NOT_RUNNING = 3;

export const statusCommand: Command = {
  name: 'status',
  summary: 'is the daemon running, which nodes share the store, and how many files are in each state',
  usage: '[--json]',
  details: [
    '  Exit status 0 when the daemon runs on this machine, 3 when it does not (as for an LSB service).',
    `  Every node that shares the store is listed with its last heartbeat; one that has not beaten for`,
    `  ${NODE_ALIVE_MS / 1000} s is taken for dead.`,
  ].join('\n'),
  options: { json: { type: 'boolean' } },
  async run(input) {
    const status = await withContext(input, async ({ config, layout, store }) => {
      const runtime = runningDaemon(layout.runtimeFile);
      const all = await store.partners.list();
      const now = new Date();
      return {
        running: runtime !== undefined,
        version: VERSION,
        daemon_version: runtime?.version ?? null,
        pid: runtime?.pid ?? null,
        started_at: runtime?.started_at ?? null,
        sftp: runtime?.sftp ?? null,
        host_key: runtime?.host_key ?? null,
        http: runtime?.http ?? null,
        data_dir: layout.root,
        store: store.engine === 'sqlite' ? { engine: 'sqlite', file: layout.database } : { engine: 'postgres', url: redactedUrl(config.store.url) },
        partners: { total: all.length, enabled: all.filter((p) => p.enabled).length },
        files: await store.ledger.countByState(),
        nodes: (await store.nodes.list()).map((node) => nodeJson(node, now)),
      };
    });
    const exitStatus = status.running ? 0 : NOT_RUNNING;
    if (input.values.json) {
      printJson(input.stdout, status);
      return exitStatus;
    }
    const alive = status.nodes.filter((node) => node.alive).length;
    printFields(input.stdout, [
      ['daemon', status.running ? `running (pid ${status.pid}, version ${status.daemon_version ?? 'unknown'}, since ${status.started_at})` : 'not running'],
      ['cli version', status.version],
      ['sftp', status.sftp ? `${status.sftp.host}:${status.sftp.port}` : null],
      ['host key', status.host_key],
      ['http', status.http ? `http://${status.http.host}:${status.http.port}/metrics, /healthz` : null],
      ['data dir', status.data_dir],
      ['store', status.store.engine === 'sqlite' ? `SQLite ${status.store.file}` : `PostgreSQL ${status.store.url}`],
      ['partners', `${status.partners.enabled} enabled of ${status.partners.total}`],
      ['files', Object.entries(status.files).map(([state, n]) => `${state} ${n}`).join(', ') || 'none yet'],
      // A daemon older than the nodes table never wrote a row: then nothing is said of nodes.
      ['nodes', status.nodes.length ? `${alive} alive of ${status.nodes.length}` : undefined],
    ]);
    if (status.nodes.length) {
      input.stdout.write('\n');
      printTable(
        input.stdout,
        ['NODE', 'STATE', 'LAST HEARTBEAT', 'PID', 'VERSION', 'STARTED'],
        status.nodes.map((node) => [node.id, node.alive ? 'alive' : 'dead', `${node.beat_at} (${ago(node.beat_age_seconds)})`, node.pid, node.version, node.started_at]),
      );
    }
    return exitStatus;
  },
};

function nodeJson(node: ClusterNode, now: Date) {
  return {
    id: node.id,
    alive: nodeAlive(node, now),
    beat_at: node.beatAt,
    beat_age_seconds: Math.max(0, Math.round((now.getTime() - Date.parse(node.beatAt)) / 1000)),
    started_at: node.startedAt,
    version: node.version,
    pid: node.pid,
  };
}

/** `4 s ago`, `12 min ago`, `3 h ago`, `2 d ago`. */
function ago(seconds: number): string {
  if (seconds < 120) return `${seconds} s ago`;
  if (seconds < 7200) return `${Math.round(seconds / 60)} min ago`;
  if (seconds < 172_800) return `${Math.round(seconds / 3600)} h ago`;
  return `${Math.round(seconds / 86_400)} d ago`;
}
