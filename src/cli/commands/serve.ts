import { App } from '../../app.js';
import { errorMessage } from '../../core/errors.js';
import type { Command } from '../command.js';
import { configFrom } from '../context.js';

export const serveCommand: Command = {
  name: 'serve',
  summary: 'run the daemon (SFTP server, watcher, pipelines) in the foreground',
  usage: '[--config FILE]',
  details: '  Stops cleanly on SIGTERM or SIGINT. Logs are JSON lines on stdout.',
  options: {},
  async run(input) {
    const config = configFrom(input);
    const app = new App({ config });
    const stop = (signal: string) => {
      app.log.info('daemon.signal', { signal });
      const timer = setTimeout(() => {
        app.log.error('daemon.stop_timeout', { seconds: config.stop_timeout_seconds });
        process.exit(1);
      }, config.stop_timeout_seconds * 1000);
      timer.unref();
      void app.stop().then(async () => {
        await app.log.close();
        process.exit(0);
      });
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
    process.on('uncaughtException', (err) => {
      app.log.error('daemon.crashed', { error: errorMessage(err), stack: err.stack });
      void app.log.close().finally(() => process.exit(1));
    });
    try {
      const started = await app.start();
      if (started.demo) {
        input.stderr.write(
          [
            '',
            '  posdrop created the demo partner. Its password is shown only this once',
            `  (and kept in ${started.demo.file}):`,
            '',
            `    username: ${started.demo.username}`,
            `    password: ${started.demo.password}`,
            '',
            `    sftp -P ${started.sftp.port} ${started.demo.username}@${started.sftp.address}`,
            '',
            '',
          ].join('\n'),
        );
      }
    } catch (err) {
      app.log.error('daemon.start_failed', { error: errorMessage(err) });
      await app.stop();
      await app.log.close();
      throw err;
    }
    // Keep running until a signal arrives.
    await new Promise(() => undefined);
  },
};
