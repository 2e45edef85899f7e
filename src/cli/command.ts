/** The shape every CLI command has; `main.ts` dispatches to them. */
import type { ParseArgsConfig } from 'node:util';

export type OptionSpec = NonNullable<ParseArgsConfig['options']>;

export interface CommandInput {
  positionals: string[];
  values: Record<string, string | boolean | (string | boolean)[] | undefined>;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  stdin: NodeJS.ReadableStream;
}

export interface Command {
  /** `files`, or `partners add` for a sub-command. */
  name: string;
  summary: string;
  /** Usage line after `posdrop <name>`, e.g. `<file> [--json]`. */
  usage: string;
  options: OptionSpec;
  /** How many arguments besides options it takes at most (default 0); more is misuse. */
  args?: number;
  /** Longer help: what each option means. */
  details?: string;
  run(input: CommandInput): Promise<number | void>;
}

/** Options every command takes. */
export const COMMON_OPTIONS: OptionSpec = {
  config: { type: 'string', short: 'c' },
  help: { type: 'boolean', short: 'h' },
};
