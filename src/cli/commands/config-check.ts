import { stringify } from 'yaml';
import { loadConfig } from '../../config/load.js';
import { ConfigError } from '../../core/errors.js';
import type { Command } from '../command.js';
import { printJson } from '../output.js';

export const configCheckCommand: Command = {
  name: 'config check',
  summary: 'validate a configuration and print every problem',
  usage: '[--config FILE] [--print] [--json]',
  details: [
    '  Reads the file (--config, else POSDROP_CONFIG) and the POSDROP_* environment variables the',
    '  way the daemon does. Exit status 0 when the configuration is usable, 1 when it is not.',
    '  --print   also print the effective configuration (defaults filled in) as YAML',
  ].join('\n'),
  options: { print: { type: 'boolean' }, json: { type: 'boolean' } },
  async run(input) {
    const file = (input.values.config as string | undefined) ?? process.env.POSDROP_CONFIG;
    const source = file ?? 'the embedded defaults';
    try {
      const config = loadConfig({ file });
      if (input.values.json) return printJson(input.stdout, { ok: true, source, problems: [], config });
      input.stdout.write(`${source}: configuration OK\n`);
      if (input.values.print) input.stdout.write(stringify(config));
      return 0;
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      if (input.values.json) {
        printJson(input.stdout, { ok: false, source, problems: err.problems });
        return 1;
      }
      const count = err.problems.length;
      input.stderr.write(`${source}: ${count} problem${count > 1 ? 's' : ''}\n`);
      for (const problem of err.problems) input.stderr.write(`  - ${problem}\n`);
      return 1;
    }
  },
};
