/**
 * What operators did, with who and why: one JSON line per action that changes something
 * (`operator.release`, `operator.reprocess`, `operator.partner_added`, …) appended to
 * `<data_dir>/operator.log`. The CLI is its own process, not the daemon, so its actions would
 * otherwise leave no trace but their effect; the lines have the daemon's log shape (`event`,
 * `level`, `timestamp`), so the same tools read both.
 */
import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import { userInfo } from 'node:os';
import type { DataLayout } from '../data-layout.js';
import type { CommandInput } from './command.js';

/** Who runs the command: `--by` when given, else the user behind sudo, else the login name. */
export function operatorName(given?: unknown): string {
  if (typeof given === 'string' && given.trim() !== '') return given.trim();
  return process.env.SUDO_USER || userInfo().username;
}

/** `--reason` as given (trimmed), or null. */
export function reasonOf(input: CommandInput): string | null {
  const reason = input.values.reason;
  return typeof reason === 'string' && reason.trim() !== '' ? reason.trim() : null;
}

/** The options every logged command takes for the record. */
export const RECORD_OPTIONS = {
  reason: { type: 'string' },
  by: { type: 'string' },
} as const;

/** The help lines of those options. */
export const RECORD_HELP = [
  '  --reason   why, kept in <data_dir>/operator.log with the action',
  '  --by       who (default: the user running the command, the one behind sudo)',
].join('\n');

/**
 * Appends the action to the operator log. Written with O_APPEND in one write, so lines of two
 * commands at once never interleave; the log is the service user's and its group's (0640).
 */
export async function logOperatorAction(layout: DataLayout, input: CommandInput, event: string, fields: Record<string, unknown>): Promise<void> {
  const line = {
    event: `operator.${event}`,
    by: operatorName(input.values.by),
    reason: reasonOf(input),
    ...fields,
    level: 'info',
    timestamp: new Date().toISOString(),
  };
  const handle = await open(layout.operatorLog, constants.O_WRONLY | constants.O_CREAT | constants.O_APPEND | constants.O_NOFOLLOW, 0o640);
  try {
    await handle.write(`${JSON.stringify(line)}\n`);
  } finally {
    await handle.close();
  }
}
