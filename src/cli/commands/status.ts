import { runningDaemon } from '../daemon-runtime.js';
import type { Command } from '../command.js';
import { withContext } from '../context.js';
import { printFields, printJson } from '../output.js';

export const statusCommand: Command = {
  name: 'status',
  summary: 'is the daemon running, and how many files are in each state',
  usage: '[--json]',
  options: { json: { type: 'boolean' } },
  async run(input) {
    const status = await withContext(input, ({ layout, files, partners }) => {
      const runtime = runningDaemon(layout.runtimeFile);
      const all = partners.list();
      return {
        running: runtime !== undefined,
        pid: runtime?.pid ?? null,
        started_at: runtime?.started_at ?? null,
        sftp: runtime?.sftp ?? null,
        http: runtime?.http ?? null,
        data_dir: layout.root,
        partners: { total: all.length, enabled: all.filter((p) => p.enabled).length },
        files: files.countByState(),
      };
    });
    if (input.values.json) return printJson(input.stdout, status);
    printFields(input.stdout, [
      ['daemon', status.running ? `running (pid ${status.pid}, since ${status.started_at})` : 'not running'],
      ['sftp', status.sftp ? `${status.sftp.host}:${status.sftp.port}` : null],
      ['http', status.http ? `http://${status.http.host}:${status.http.port}/metrics, /healthz` : null],
      ['data dir', status.data_dir],
      ['partners', `${status.partners.enabled} enabled of ${status.partners.total}`],
      ['files', Object.entries(status.files).map(([state, n]) => `${state} ${n}`).join(', ') || 'none yet'],
    ]);
  },
};
