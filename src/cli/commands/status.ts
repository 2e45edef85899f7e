import { readFileSync } from 'node:fs';
import type { Command } from '../command.js';
import { withContext } from '../context.js';
import { printFields, printJson } from '../output.js';

interface Runtime {
  pid: number;
  started_at: string;
  sftp: { host: string; port: number };
}

function daemonRuntime(file: string): Runtime | undefined {
  try {
    const runtime = JSON.parse(readFileSync(file, 'utf8')) as Runtime;
    process.kill(runtime.pid, 0);
    return runtime;
  } catch {
    return undefined;
  }
}

export const statusCommand: Command = {
  name: 'status',
  summary: 'is the daemon running, and how many files are in each state',
  usage: '[--json]',
  options: { json: { type: 'boolean' } },
  async run(input) {
    const status = await withContext(input, ({ layout, files, partners }) => {
      const runtime = daemonRuntime(layout.runtimeFile);
      const all = partners.list();
      return {
        running: runtime !== undefined,
        pid: runtime?.pid ?? null,
        started_at: runtime?.started_at ?? null,
        sftp: runtime?.sftp ?? null,
        data_dir: layout.root,
        partners: { total: all.length, enabled: all.filter((p) => p.enabled).length },
        files: files.countByState(),
      };
    });
    if (input.values.json) return printJson(input.stdout, status);
    printFields(input.stdout, [
      ['daemon', status.running ? `running (pid ${status.pid}, since ${status.started_at})` : 'not running'],
      ['sftp', status.sftp ? `${status.sftp.host}:${status.sftp.port}` : null],
      ['data dir', status.data_dir],
      ['partners', `${status.partners.enabled} enabled of ${status.partners.total}`],
      ['files', Object.entries(status.files).map(([state, n]) => `${state} ${n}`).join(', ') || 'none yet'],
    ]);
  },
};
