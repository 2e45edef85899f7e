import { Readable, Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { COMMANDS, main } from '../../src/cli/main.js';

function capture() {
  let text = '';
  const stream = new Writable({ write: (chunk: Buffer, _e, done) => ((text += chunk.toString()), done()) });
  return { stream, text: () => text };
}

async function cli(args: string[]) {
  const stdout = capture();
  const stderr = capture();
  const code = await main(args, { stdout: stdout.stream, stderr: stderr.stream, stdin: Readable.from([]) });
  return { code, stdout: stdout.text(), stderr: stderr.text() };
}

describe('every command', () => {
  it.each(COMMANDS.map((command) => command.name))('"%s" answers --help', async (name) => {
    const result = await cli([...name.split(' '), '--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(new RegExp(`^usage: posdrop ${name} `));
    expect(result.stderr).toBe('');
  });

  it.each([
    [['reprocess'], 'posdrop reprocess: reprocess needs a file id or name'],
    [['backup'], 'posdrop backup: backup needs a file or folder to write to'],
    [['restore'], 'posdrop restore: restore needs the backup file to restore'],
    [['errors', 'x', '--limit', '0'], 'posdrop errors: --limit must be a positive whole number'],
    [['config', 'check', '--bogus'], "posdrop config check: Unknown option '--bogus'."],
  ])('%j is misuse: exit status 2 and one line saying why', async (args, line) => {
    const result = await cli(args);
    expect(result.code).toBe(2);
    const first = result.stderr.split('\n')[0] ?? '';
    expect(first.slice(0, line.length)).toBe(line); // Node words the end of its own messages
  });
});
