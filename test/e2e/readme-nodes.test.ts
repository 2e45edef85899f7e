/**
 * The README's "Running several nodes": its configuration block is one posdrop takes, and every
 * `section.key` it names is a key of the configuration, so that an operator following it never
 * meets an unknown key.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import { configSchema, defaultConfig } from '../../src/config/schema.js';

const README = path.resolve(import.meta.dirname, '../../README.md');

describe('README, running several nodes', () => {
  let section: string;
  beforeAll(async () => {
    const text = await readFile(README, 'utf8');
    const start = text.indexOf('## Running several nodes');
    expect(start).toBeGreaterThan(0);
    section = text.slice(start, text.indexOf('\n## ', start + 1));
  });

  it('shows a node configuration the schema accepts, with a node name and the shared data directory', () => {
    const block = /```yaml\n([\s\S]*?)```/.exec(section)?.[1];
    expect(block).toBeDefined();
    const parsed = configSchema.safeParse(parseYaml(block as string));
    expect(parsed.error?.issues ?? []).toEqual([]);
    expect(parsed.data?.store.node_id).toBe('node-1');
    expect(parsed.data?.data_dir).toBe('/srv/posdrop');
  });

  it('names only keys that exist', () => {
    const config = defaultConfig() as unknown as Record<string, Record<string, unknown>>;
    const named = [...section.matchAll(/`(store|sftp|http|api|intake|jobs|retention)\.([a-z_]+)`/g)].map((match) => [match[1] as string, match[2] as string] as const);
    expect(named.length).toBeGreaterThan(10);
    const unknown = named.filter(([part, key]) => !(key in (config[part] ?? {}))).map(([part, key]) => `${part}.${key}`);
    expect(unknown).toEqual([]);
  });
});
