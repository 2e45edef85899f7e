import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../support/clients.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const INSTALL = path.join(ROOT, 'scripts', 'install.sh');
const hasAnalyze = spawnSync('systemd-analyze', ['--version']).status === 0;

describe('the systemd unit and the install script', () => {
  let dir: string;
  let unit: string;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'posdrop-unit-'));
    // The unit as install.sh writes it for this checkout and this node, so that its paths exist.
    const rendered = await run('sh', [INSTALL, '--print-unit', '--prefix', ROOT, '--node', process.execPath]);
    expect(rendered.code).toBe(0);
    unit = rendered.stdout;
    await writeFile(path.join(dir, 'posdrop.service'), unit);
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('passes systemd-analyze verify', async (ctx) => {
    if (!hasAnalyze) ctx.skip('systemd-analyze is not installed on this machine');
    const verified = await run('systemd-analyze', ['verify', path.join(dir, 'posdrop.service')]);
    expect(verified.stderr).toBe('');
    expect(verified.code).toBe(0);
  });

  it('is hardened as the issue asks, and runs the daemon the way it is built', () => {
    const settings = new Map<string, string[]>();
    for (const line of unit.split('\n')) {
      const match = /^(\w+)=(.*)$/.exec(line);
      if (match) settings.set(match[1] as string, [...(settings.get(match[1] as string) ?? []), match[2] as string]);
    }
    const one = (key: string) => settings.get(key)?.at(-1);
    expect(one('Type')).toBe('notify');
    expect(one('User')).toBe('posdrop');
    expect(one('ExecStart')).toBe(`${process.execPath} --max-semi-space-size=4 ${ROOT}/bin/posdrop.js serve`);
    expect(one('ProtectSystem')).toBe('strict');
    expect(one('ReadWritePaths')).toBe('/var/lib/posdrop');
    expect(one('ProtectHome')).toBe('yes');
    expect(one('PrivateTmp')).toBe('yes');
    expect(one('NoNewPrivileges')).toBe('yes');
    expect(one('CapabilityBoundingSet')).toBe('');
    expect(one('Restart')).toBe('on-failure');
    expect(settings.has('MemoryDenyWriteExecute')).toBe(false);
    expect(Number(one('TimeoutStopSec'))).toBeGreaterThan(20); // above the default stop_timeout_seconds
  });

  it('writes a default configuration that validates, with the demo partner off', async () => {
    const printed = await run('sh', [INSTALL, '--print-config']);
    expect(printed.code).toBe(0);
    expect(printed.stdout).toMatch(/^demo_partner: false$/m);
    const file = path.join(dir, 'config.yaml');
    await writeFile(file, printed.stdout);
    const checked = await run(process.execPath, [path.join(ROOT, 'bin', 'posdrop.js'), 'config', 'check', '--config', file]);
    expect([checked.code, checked.stdout]).toEqual([0, `${file}: configuration OK\n`]);
  });
});
