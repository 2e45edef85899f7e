import { describe, expect, it } from 'vitest';
import { normalisePath, resolvePath } from './virtual-path.js';

describe('normalisePath', () => {
  it.each([
    ['.', '/'],
    ['', '/'],
    ['/', '/'],
    ['//', '/'],
    ['inbox', '/inbox'],
    ['./inbox/', '/inbox'],
    ['/inbox//x.json', '/inbox/x.json'],
    ['/inbox/./x.json', '/inbox/x.json'],
    ['..', '/'],
    ['../../etc/passwd', '/etc/passwd'],
    ['/inbox/../../../etc/x', '/etc/x'],
    ['a/../../inbox//x', '/inbox/x'],
    ['/inbox/a..b', '/inbox/a..b'],
    ['/inbox/...', '/inbox/...'],
  ])('%j → %j', (raw, normal) => {
    expect(normalisePath(raw)).toBe(normal);
  });
});

describe('resolvePath', () => {
  it('knows the root and the three folders', () => {
    expect(resolvePath('/')).toEqual({ kind: 'root' });
    expect(resolvePath('.')).toEqual({ kind: 'root' });
    expect(resolvePath('inbox')).toEqual({ kind: 'area', area: 'inbox' });
    expect(resolvePath('/validate/')).toEqual({ kind: 'area', area: 'validate' });
    expect(resolvePath('/outbox/x.receipt.json')).toEqual({ kind: 'file', area: 'outbox', name: 'x.receipt.json' });
  });

  it.each(['/etc/passwd', '../../etc/passwd', '//x', '/inbox/sub/x.json', '/spool/x.part', '/Inbox/x.json', '/inbox/../../other/inbox/x'])(
    'treats %j as missing',
    (raw) => {
      expect(resolvePath(raw)).toEqual({ kind: 'missing' });
    },
  );

  it('clamps .. inside a longer path at the root, never outside it', () => {
    expect(resolvePath('/inbox/../../inbox/x.json')).toEqual({ kind: 'file', area: 'inbox', name: 'x.json' });
    expect(resolvePath('/inbox/..')).toEqual({ kind: 'root' });
  });

  it.each([
    ['/inbox/a\0b', /NUL/],
    ['/etc/passwd\0', /NUL/],
    ['/inbox/tab\tname', /control characters/],
    ['/inbox/bad\ufffdutf8', /invalid UTF-8/],
    ['/inbox/\ud800', /invalid UTF-8/],
    ['/inbox/back\\slash', /\/ or \\/],
    ['/inbox/.hidden', /dot/],
    [`/inbox/${'x'.repeat(256)}`, /255 bytes/],
  ])('refuses %j before any path is built', (raw, problem) => {
    const target = resolvePath(raw);
    expect(target.kind).toBe('invalid');
    expect((target as { problem: string }).problem).toMatch(problem);
  });
});
