/**
 * Loads the configuration: built-in defaults, then a JSON or YAML file, then `POSDROP_*`
 * environment variables. Every problem is reported at once, each naming its key and source.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { ConfigError, errorMessage } from '../core/errors.js';
import { configSchema, defaultConfig, type Config } from './schema.js';

export interface ConfigSources {
  /** `--config`, else `POSDROP_CONFIG`. */
  file?: string | undefined;
  env?: NodeJS.ProcessEnv;
}

type Tree = Record<string, unknown>;

export function loadConfig(sources: ConfigSources = {}): Config {
  const env = sources.env ?? process.env;
  const file = sources.file ?? env.POSDROP_CONFIG;
  const problems: string[] = [];
  const origin = new Map<string, string>();

  const fromFile = file ? readConfigFile(file, problems) : {};
  for (const key of leafPaths(fromFile)) origin.set(key, file ?? '');
  const fromEnv = readEnv(env, problems, origin);
  const merged = mergeTrees(fromFile, fromEnv);

  const parsed = configSchema.safeParse(merged);
  if (!parsed.success) problems.push(...parsed.error.issues.map((issue) => describe(issue, origin)));
  if (problems.length > 0) throw new ConfigError(problems);
  return parsed.data as Config;
}

function readConfigFile(file: string, problems: string[]): Tree {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    problems.push(`${file}: cannot read the configuration file (${errorMessage(err)})`);
    return {};
  }
  try {
    // YAML is a superset of JSON, so one parser reads both.
    const value: unknown = text.trim() === '' ? {} : parseYaml(text);
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      problems.push(`${file}: the configuration must be a mapping of keys to values`);
      return {};
    }
    return value as Tree;
  } catch (err) {
    problems.push(`${file}: not valid ${path.extname(file) === '.json' ? 'JSON' : 'YAML'}: ${errorMessage(err)}`);
    return {};
  }
}

/** Maps `POSDROP_SFTP_PORT=2022` to `{sftp: {port: 2022}}`, typed like the default value. */
function readEnv(env: NodeJS.ProcessEnv, problems: string[], origin: Map<string, string>): Tree {
  const defaults = defaultConfig() as unknown as Tree;
  const tree: Tree = {};
  for (const [name, raw] of Object.entries(env)) {
    if (!name.startsWith('POSDROP_') || name === 'POSDROP_CONFIG' || raw === undefined) continue;
    const key = name.slice('POSDROP_'.length).toLowerCase();
    const target = envTarget(defaults, key);
    if (!target) {
      problems.push(`${name}: not a configuration variable`);
      continue;
    }
    const [section, leaf, sample] = target;
    const value = typed(raw, sample);
    if (section) {
      tree[section] = { ...(tree[section] as Tree | undefined), [leaf]: value };
      origin.set(`${section}.${leaf}`, name);
    } else {
      tree[leaf] = value;
      origin.set(leaf, name);
    }
  }
  return tree;
}

function envTarget(defaults: Tree, key: string): [string | undefined, string, unknown] | undefined {
  if (key in defaults && !isTree(defaults[key])) return [undefined, key, defaults[key]];
  for (const [section, value] of Object.entries(defaults)) {
    if (!isTree(value) || !key.startsWith(`${section}_`)) continue;
    const leaf = key.slice(section.length + 1);
    if (leaf in value) return [section, leaf, value[leaf]];
  }
  return undefined;
}

function typed(raw: string, sample: unknown): unknown {
  if (typeof sample === 'number') return raw.trim() !== '' && Number.isFinite(Number(raw)) ? Number(raw) : raw;
  if (typeof sample === 'boolean') {
    if (/^(true|yes|on|1)$/i.test(raw)) return true;
    if (/^(false|no|off|0)$/i.test(raw)) return false;
  }
  return raw;
}

function describe(issue: z.core.$ZodIssue, origin: Map<string, string>): string {
  const key = issue.path.join('.') || '(top level)';
  const source = origin.get(key);
  const where = source ? ` (from ${source})` : '';
  if (issue.code === 'unrecognized_keys') {
    const names = issue.keys.map((k) => (issue.path.length ? `${key}.${k}` : k));
    return `${names.join(', ')}: unknown configuration key${names.length > 1 ? 's' : ''}`;
  }
  return `${key}: ${issue.message}${where}`;
}

function isTree(value: unknown): value is Tree {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function mergeTrees(base: Tree, over: Tree): Tree {
  const out: Tree = { ...base };
  for (const [key, value] of Object.entries(over)) {
    out[key] = isTree(value) && isTree(out[key]) ? mergeTrees(out[key] as Tree, value) : value;
  }
  return out;
}

function leafPaths(tree: Tree, prefix = ''): string[] {
  return Object.entries(tree).flatMap(([key, value]) =>
    isTree(value) ? leafPaths(value, `${prefix}${key}.`) : [`${prefix}${key}`],
  );
}
