/** `posdrop <command> …`: finds the command, parses its options, maps errors to exit codes. */
import { parseArgs } from 'node:util';
import { ConfigError, NotFound, OperatorError, PosdropError, UsageError, errorMessage } from '../core/errors.js';
import { COMMON_OPTIONS, type Command } from './command.js';
import { balancesCommand } from './commands/balances.js';
import { checkCommand } from './commands/check.js';
import { backupCommand, restoreCommand } from './commands/backup.js';
import { configCheckCommand } from './commands/config-check.js';
import { customerCommands } from './commands/customers.js';
import { errorsCommand } from './commands/errors.js';
import { filesCommand } from './commands/files.js';
import { heldCommand } from './commands/held.js';
import { notificationCommands } from './commands/notifications.js';
import { operatorCommands } from './commands/operators.js';
import { partnerApiCommands } from './commands/partner-api.js';
import { partnerCommands } from './commands/partners.js';
import { reprocessCommand } from './commands/reprocess.js';
import { releaseCommand } from './commands/release.js';
import { serveCommand } from './commands/serve.js';
import { showCommand } from './commands/show.js';
import { statusCommand } from './commands/status.js';
import { undoCommand } from './commands/undo.js';
import { VERSION } from '../version.js';

export const COMMANDS: Command[] = [
  serveCommand,
  statusCommand,
  filesCommand,
  showCommand,
  errorsCommand,
  checkCommand,
  balancesCommand,
  ...customerCommands,
  undoCommand,
  heldCommand,
  releaseCommand,
  ...partnerCommands,
  ...notificationCommands,
  ...operatorCommands,
  ...partnerApiCommands,
  reprocessCommand,
  backupCommand,
  restoreCommand,
  configCheckCommand,
];

export interface Io {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  stdin: NodeJS.ReadableStream;
}

const defaultIo: Io = { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin };

/**
 * Runs the CLI; resolves with the exit status (0 ok, 1 operation failed, 2 misuse: a wrong option
 * or argument, or a file, partner or key that does not exist; `status` says 3 when the daemon is down).
 */
export async function main(argv: string[], io: Io = defaultIo): Promise<number> {
  const words = commandWords(argv);
  if (io.stdout === process.stdout && words[0] !== serveCommand.name) endQuietlyOnClosedPipe();
  if (words.length === 0 && (argv.includes('--version') || argv.includes('-V'))) {
    io.stdout.write(`posdrop ${VERSION}\n`);
    return 0;
  }
  const command =
    COMMANDS.find((cmd) => cmd.name === words.slice(0, 2).join(' ')) ?? COMMANDS.find((cmd) => cmd.name === words[0]);
  if (!command) {
    const group = COMMANDS.filter((cmd) => cmd.name.startsWith(`${words[0]} `));
    const asked = argv.includes('--help') || argv.includes('-h');
    if (words.length === 0 || (asked && group.length > 0)) {
      io.stdout.write(overview(group.length ? group : COMMANDS));
      return 0;
    }
    // Misuse gets one line that says what is wrong and where to look.
    if (group.length > 0 && words.length === 1) {
      const subs = group.map((cmd) => cmd.name.slice(words[0]!.length + 1));
      io.stderr.write(`posdrop ${words[0]} needs a command: ${alternatives(subs)} (see posdrop ${words[0]} --help)\n`);
    } else {
      const unknown = group.length > 0 ? words.slice(0, 2).join(' ') : words[0];
      io.stderr.write(`posdrop: unknown command "${unknown}" (see posdrop ${group.length > 0 ? `${words[0]} ` : ''}--help)\n`);
    }
    return 2;
  }
  const rest = removeFirst(argv, command.name.split(' '));
  try {
    const { values, positionals } = parseArgs({
      args: rest,
      options: { ...COMMON_OPTIONS, ...command.options },
      allowPositionals: true,
      strict: true,
    });
    if (values.help) {
      io.stdout.write(help(command));
      return 0;
    }
    const extra = positionals.slice(command.args ?? 0);
    if (extra.length > 0) {
      const expected = command.args ? `takes ${command.args === 1 ? 'one argument' : `${command.args} arguments`}` : 'takes no arguments';
      throw new UsageError(`${command.name} ${expected}; unexpected ${extra.map((arg) => JSON.stringify(arg)).join(' ')}`);
    }
    const status = await command.run({ values, positionals, ...io });
    return typeof status === 'number' ? status : 0;
  } catch (err) {
    return report(err, command, io.stderr);
  }
}

/**
 * `posdrop errors 12 | head`: once the reader is gone, the rest of the output has nowhere to go.
 * Node reports that as an EPIPE error on stdout, which unhandled ends with a stack trace; the
 * command ends instead, quietly, as Unix tools do. Not for `serve`: its stdout is the log.
 */
function endQuietlyOnClosedPipe(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code !== 'EPIPE') throw err;
      process.exit(typeof process.exitCode === 'number' ? process.exitCode : 0);
    });
  }
}

function report(err: unknown, command: Command, stderr: NodeJS.WritableStream): number {
  if (err instanceof ConfigError) {
    stderr.write(`posdrop ${command.name}: ${err.message}\n`);
    return 2;
  }
  if (err instanceof UsageError || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
    stderr.write(`posdrop ${command.name}: ${firstLine(errorMessage(err))} (see posdrop ${command.name} --help)\n`);
    return 2;
  }
  if (err instanceof NotFound) {
    stderr.write(`posdrop ${command.name}: ${err.message}\n`);
    return 2;
  }
  if (err instanceof OperatorError || err instanceof PosdropError) {
    stderr.write(`posdrop ${command.name}: ${err.message}\n`);
    return 1;
  }
  stderr.write(`posdrop ${command.name}: ${errorMessage(err)}\n`);
  return 1;
}

/** The words naming the command: arguments that are neither options nor a --config value. */
function commandWords(argv: string[]): string[] {
  const words: string[] = [];
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i] as string;
    if (arg === '--config' || arg === '-c') i += 1;
    else if (!arg.startsWith('-')) words.push(arg);
  }
  return words;
}

/** `a`, `a or b`, `a, b or c`. */
function alternatives(words: string[]): string {
  return words.length > 1 ? `${words.slice(0, -1).join(', ')} or ${words.at(-1)}` : (words[0] ?? '');
}

function firstLine(text: string): string {
  return text.split('\n')[0] ?? text;
}

function removeFirst(argv: string[], words: string[]): string[] {
  const rest = [...argv];
  for (const word of words) {
    const index = rest.indexOf(word);
    if (index >= 0) rest.splice(index, 1);
  }
  return rest;
}

function help(command: Command): string {
  return [
    `usage: posdrop ${command.name} ${command.usage}`,
    '',
    `  ${command.summary}`,
    ...(command.details ? ['', command.details] : []),
    '',
    '  -c, --config FILE   configuration file (JSON or YAML); also POSDROP_CONFIG',
    '  -h, --help          this help',
    '',
  ].join('\n');
}

function overview(commands: Command[]): string {
  const width = Math.max(...commands.map((cmd) => cmd.name.length));
  return [
    `posdrop ${VERSION}`,
    'usage: posdrop <command> [options]   (posdrop <command> --help for more; posdrop --version)',
    '',
    ...commands.map((cmd) => `  ${cmd.name.padEnd(width)}  ${cmd.summary}`),
    '',
  ].join('\n');
}
