import { constants } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { longname } from './longname.js';

const now = new Date('2024-06-30T12:00:00Z');

describe('longname', () => {
  it('reads like ls -l, the file type in the first letter', () => {
    const file = { name: 'x.json', isDirectory: false, mode: constants.S_IFREG | 0o644, size: 1234, mtime: new Date('2024-06-29T08:05:00Z') };
    const dir = { name: 'outbox', isDirectory: true, mode: constants.S_IFDIR | 0o555, size: 4096, mtime: now };
    expect(longname(file, 'acme', now)).toMatch(/^-rw-r--r-- +1 acme +acme +1234 Jun 29 \d\d:05 x\.json$/);
    expect(longname(dir, 'acme', now)).toMatch(/^dr-xr-xr-x .* outbox$/);
  });

  it('shows the year instead of the time for old files', () => {
    const old = { name: 'old.json', isDirectory: false, mode: 0o644, size: 1, mtime: new Date('2023-01-15T12:00:00Z') };
    expect(longname(old, 'acme', now)).toMatch(/ Jan 15 {2}2023 old\.json$/);
  });
});
