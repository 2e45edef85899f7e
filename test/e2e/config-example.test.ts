import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultConfig } from '../../src/config/schema.js';
import { run } from '../support/clients.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const EXAMPLE = path.join(ROOT, 'config', 'posdrop.example.yaml');
const INSTALL = path.join(ROOT, 'scripts', 'install.sh');
const BIN = path.join(ROOT, 'bin', 'posdrop.js');

/** `posdrop config check …` as an operator runs it, without POSDROP_* variables of this shell. */
function configCheck(args: string[]) {
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('POSDROP_')));
  return run(process.execPath, [BIN, 'config', 'check', ...args], { env });
}

describe('config/posdrop.example.yaml', () => {
  let text: string;
  let dir: string;

  beforeAll(async () => {
    text = await readFile(EXAMPLE, 'utf8');
    dir = await mkdtemp(path.join(tmpdir(), 'posdrop-example-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('passes posdrop config check', async () => {
    const checked = await configCheck(['--config', EXAMPLE]);
    expect([checked.code, checked.stdout, checked.stderr]).toEqual([0, `${EXAMPLE}: configuration OK\n`, '']);
  });

  it('names every key with its default, apart from the values a server needs', () => {
    // A key added to the schema and missing here, or a default changed in one place only, fails.
    const defaults = defaultConfig();
    expect(parseYaml(text)).toEqual({
      ...defaults,
      data_dir: '/var/lib/posdrop',
      demo_partner: false,
      sftp: { ...defaults.sftp, host: '0.0.0.0' },
      clienttoolbox: {},
    });
  });

  it('shows a Client Toolbox partner block that validates once uncommented', async () => {
    const lines = text.split('\n');
    const at = lines.indexOf('clienttoolbox: {}');
    expect(at).toBeGreaterThan(0);
    const block = lines.slice(at + 1).filter((line) => line.startsWith('#  ')).map((line) => line.slice(1));
    expect(block.length).toBeGreaterThan(5);
    const edited = path.join(dir, 'with-acme.yaml');
    await writeFile(edited, [...lines.slice(0, at), 'clienttoolbox:', ...block, ''].join('\n'));

    const checked = await configCheck(['--config', edited, '--json']);
    expect(checked.code).toBe(0);
    const report = JSON.parse(checked.stdout) as { ok: boolean; config: { clienttoolbox: Record<string, unknown> } };
    expect(report.ok).toBe(true);
    expect(report.config.clienttoolbox).toEqual({
      acme: {
        apply_ratio: true,
        create_new_customers: true,
        receipt: 'xml',
        condensed: false,
        allow_undo: false,
        columns: ['code', 'campaign_id', 'redeemed', 'amount', 'date', 'authorization', 'promo_id'],
        campaigns: [
          { id: '12121', type: 'points', ratio: 10, rewards: { '1500': 500 } },
          { id: '34343', type: 'giftcard', ratio: 1, rewards: {} },
        ],
      },
    });
  });

  it('is the configuration install.sh writes on a new server', async () => {
    const printed = await run('sh', [INSTALL, '--print-config']);
    expect(printed.code).toBe(0);
    expect(printed.stdout).toBe(text);
  });
});
