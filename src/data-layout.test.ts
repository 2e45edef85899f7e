import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DataLayout } from './data-layout.js';

describe('DataLayout', () => {
  it('keeps a single server\'s runtime file and spool where they always were', () => {
    const layout = new DataLayout('/srv/posdrop');
    expect([layout.runtimeFile, layout.spoolRoot, layout.unpackDir, layout.deliverySpoolDir('acme')]).toEqual([
      '/srv/posdrop/daemon.json',
      '/srv/posdrop/spool',
      '/srv/posdrop/spool/.unpack',
      '/srv/posdrop/spool/acme/api',
    ]);
  });

  it('gives each named node its own runtime file and spool, and shares everything else', () => {
    const [a, b] = [new DataLayout('/srv/posdrop', 'node-a'), new DataLayout('/srv/posdrop', 'node-b')];
    expect(a.runtimeFile).toBe('/srv/posdrop/nodes/node-a/daemon.json');
    expect(a.spoolDir('acme', 'inbox')).toBe('/srv/posdrop/nodes/node-a/spool/acme/inbox');
    expect(a.unpackDir).toBe('/srv/posdrop/nodes/node-a/spool/.unpack');
    for (const own of ['runtimeFile', 'spoolRoot', 'unpackDir'] as const) expect(a[own]).not.toBe(b[own]);
    for (const shared of ['database', 'defaultHostKey', 'apiTokenKey', 'operatorLog', 'partnersRoot'] as const) expect(a[shared]).toBe(b[shared]);
    expect(a.areaDir('acme', 'inbox')).toBe(b.areaDir('acme', 'inbox'));
    // the spool stays on the inbox's filesystem: uploads are hard-linked into place
    expect(path.relative(a.root, a.spoolRoot).startsWith('..')).toBe(false);
  });

  it('refuses a node name that would not be a folder of its own', () => {
    for (const name of ['', '.', '..', 'a/b']) expect(() => new DataLayout('/srv/posdrop', name)).toThrow(/cannot name a node's folder/);
  });
});
