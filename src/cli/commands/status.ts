import { VERSION } from '../../version.js';
import { runningDaemon } from '../daemon-runtime.js';
import type { Command } from '../command.js';
import { withContext } from '../context.js';
import { printFields, printJson } from '../output.js';

/** The exit status of `status` when the daemon is down: LSB's "program is not running". */
const NOT_RUNNING = 3;

export const statusCommand: Command = {
  name: 'status',
  summary: 'is the daemon running, and how many files are in each state',
  usage: '[--json]',
  details: '  Exit status 0 when the daemon runs, 3 when it does not (as for an LSB service).',
  options: { json: { type: 'boolean' } },
  async run(input) {
    const status = await withContext(input, ({ layout, files, partners }) => {
      const runtime = runningDaemon(layout.runtimeFile);
      const all = partners.list();
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
        partners: { total: all.length, enabled: all.filter((p) => p.enabled).length },
        files: files.countByState(),
      };
    });
    const exitStatus = status.running ? 0 : NOT_RUNNING;
    if (input.values.json) {
      printJson(input.stdout, status);
      return exitStatus;
    }
    printFields(input.stdout, [
      ['daemon', status.running ? `running (pid ${status.pid}, version ${status.daemon_version ?? 'unknown'}, since ${status.started_at})` : 'not running'],
      ['cli version', status.version],
      ['sftp', status.sftp ? `${status.sftp.host}:${status.sftp.port}` : null],
      ['host key', status.host_key],
      ['http', status.http ? `http://${status.http.host}:${status.http.port}/metrics, /healthz` : null],
      ['data dir', status.data_dir],
      ['partners', `${status.partners.enabled} enabled of ${status.partners.total}`],
      ['files', Object.entries(status.files).map(([state, n]) => `${state} ${n}`).join(', ') || 'none yet'],
    ]);
    return exitStatus;
  },
};
