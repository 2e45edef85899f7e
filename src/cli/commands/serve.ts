import type { Command } from '../command.js';

export const serveCommand: Command = {
  name: 'serve',
  summary: 'run the daemon (SFTP server, watcher, pipelines) in the foreground',
  usage: '[--config FILE]',
  details: [
    '  Logs are JSON lines on stdout. Under systemd (Type=notify) it reports readiness once the',
    '  SFTP port listens.',
    '  SIGTERM, SIGINT  stop: finish or roll back the file in hand, close sessions, checkpoint',
    '  SIGHUP           reload the configuration; a bad one is refused and the old one kept',
  ].join('\n'),
  options: {},
  async run(input) {
    // Loaded here: the daemon's modules (ssh2, chokidar, prom-client) would slow every other command.
    const { runService } = await import('../../ops/service.js');
    await runService({ configFile: input.values.config as string | undefined, stderr: input.stderr });
  },
};
