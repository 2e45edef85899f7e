import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../core/errors.js';
import { loadConfig } from './load.js';
import { defaultConfig } from './schema.js';

const dir = mkdtempSync(path.join(tmpdir(), 'posdrop-config-'));

function file(name: string, content: string): string {
  const full = path.join(dir, name);
  writeFileSync(full, content);
  return full;
}

/** The problems a configuration is refused with. */
function problems(load: () => unknown): string[] {
  try {
    load();
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  throw new Error('expected the configuration to be refused');
}

describe('loadConfig', () => {
  it('runs on embedded defaults with no file and no environment', () => {
    const config = loadConfig({ env: {} });
    expect(config).toEqual(defaultConfig());
    expect(config.sftp).toMatchObject({ host: '127.0.0.1', port: 2222, max_upload_bytes: 50 * 1024 * 1024, max_auth_attempts: 6 });
    expect(config.data_dir).toBe('./var');
  });

  it('reads YAML and JSON files, keeping defaults for what they leave out', () => {
    const yaml = file('posdrop.yaml', 'data_dir: /srv/posdrop\nsftp:\n  port: 2022\n  ban_threshold: 5\n');
    expect(loadConfig({ file: yaml, env: {} })).toMatchObject({ data_dir: '/srv/posdrop', sftp: { port: 2022, ban_threshold: 5, host: '127.0.0.1' } });
    const json = file('posdrop.json', JSON.stringify({ intake: { stable_ms: 10 }, log: { level: 'debug' } }));
    expect(loadConfig({ file: json, env: {} })).toMatchObject({ intake: { stable_ms: 10, rescan_seconds: 60 }, log: { level: 'debug' } });
  });

  it('finds the file through POSDROP_CONFIG, and lets --config win', () => {
    const a = file('a.yaml', 'sftp:\n  port: 1001\n');
    const b = file('b.yaml', 'sftp:\n  port: 1002\n');
    expect(loadConfig({ env: { POSDROP_CONFIG: a } }).sftp.port).toBe(1001);
    expect(loadConfig({ file: b, env: { POSDROP_CONFIG: a } }).sftp.port).toBe(1002);
  });

  it('lets environment variables override the file, typed like the defaults', () => {
    const yaml = file('env.yaml', 'sftp:\n  port: 2022\n  host: 0.0.0.0\n');
    const config = loadConfig({
      file: yaml,
      env: { POSDROP_SFTP_PORT: '2300', POSDROP_DATA_DIR: '/data', POSDROP_DEMO_PARTNER: 'false', POSDROP_LOG_LEVEL: 'warn', HOME: '/root' },
    });
    expect(config).toMatchObject({ data_dir: '/data', demo_partner: false, log: { level: 'warn' }, sftp: { port: 2300, host: '0.0.0.0' } });
  });

  it('bounds stop_timeout_seconds: a timer past 2^31 ms would fire at once', () => {
    expect(loadConfig({ file: file('stop.yaml', 'stop_timeout_seconds: 3600\n'), env: {} }).stop_timeout_seconds).toBe(3600);
    expect(problems(() => loadConfig({ file: file('stop-long.yaml', 'stop_timeout_seconds: 3000000\n'), env: {} }))).toEqual([
      expect.stringMatching(/stop_timeout_seconds: must be at most 3600 \(an hour\)/),
    ]);
  });

  it('names every problem at once, each with its key and where it came from', () => {
    const yaml = file('bad.yaml', 'sftp:\n  port: 70000\n  max_conections: 5\nintake:\n  stable_ms: -1\ncolour: blue\n');
    const found = problems(() =>
      loadConfig({ file: yaml, env: { POSDROP_SFTP_MAX_UPLOAD_BYTES: 'lots', POSDROP_SFTP_SPEED: 'fast', POSDROP_DEMO_PARTNER: 'maybe' } }),
    );
    expect(found).toEqual(
      expect.arrayContaining([
        'POSDROP_SFTP_SPEED: not a configuration variable',
        expect.stringMatching(new RegExp(`^sftp\\.port: .* \\(from ${yaml.replace(/[.]/g, '\\.')}\\)$`)),
        'sftp.max_conections: unknown configuration key',
        expect.stringMatching(/^intake\.stable_ms: /),
        'colour: unknown configuration key',
        expect.stringMatching(/^sftp\.max_upload_bytes: .*\(from POSDROP_SFTP_MAX_UPLOAD_BYTES\)$/),
        expect.stringMatching(/^demo_partner: .*\(from POSDROP_DEMO_PARTNER\)$/),
      ]),
    );
    expect(found).toHaveLength(7);
  });

  it.each([
    ['missing.yaml', undefined, /cannot read the configuration file/],
    ['broken.yaml', 'sftp: [port: 1\n', /not valid YAML/],
    ['broken.json', '{"sftp": ', /not valid JSON/],
    ['list.yaml', '- a\n- b\n', /must be a mapping/],
  ])('refuses %s with a message that names the file', (name, content, message) => {
    const target = content === undefined ? path.join(dir, name) : file(name, content);
    const [problem, ...rest] = problems(() => loadConfig({ file: target, env: {} }));
    expect(rest).toEqual([]);
    expect(problem).toContain(target);
    expect(problem).toMatch(message);
  });

  it('takes the store from POSDROP_STORE_URL, empty meaning the SQLite file, and refuses a URL of another kind', () => {
    expect(loadConfig({ env: {} }).store.url).toBe('');
    const url = 'postgres://posdrop:secret@db.example:5432/posdrop';
    expect(loadConfig({ env: { POSDROP_STORE_URL: url } }).store.url).toBe(url);
    expect(loadConfig({ file: file('store.yaml', `store:\n  url: ${url}\n`), env: {} }).store.url).toBe(url);
    expect(problems(() => loadConfig({ env: { POSDROP_STORE_URL: 'mysql://db.example/posdrop' } }))).toEqual([
      'store.url: must be empty (the SQLite file in data_dir) or a postgres://user@host:port/database URL (from POSDROP_STORE_URL)',
    ]);
    expect(problems(() => loadConfig({ env: { POSDROP_STORE_URL: 'postgres://db.example' } }))).toHaveLength(1);
  });

  it('treats an empty file as no settings', () => {
    expect(loadConfig({ file: file('empty.yaml', '\n'), env: {} })).toEqual(defaultConfig());
  });
});
