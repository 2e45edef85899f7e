import { describe, expect, it } from 'vitest';
import { fileNameProblem, looksTemporary, MAX_UPLOAD_NAME_BYTES, partnerIdProblem, uploadNameProblem } from './safe-name.js';

describe('fileNameProblem', () => {
  it.each(['x.json', '20240105_0001_acme_pos_a b.json', 'ümlaut.csv', 'a..b', 'x'.repeat(255), 'é'.repeat(127)])(
    'accepts %j',
    (name) => {
      expect(fileNameProblem(name)).toBeUndefined();
    },
  );

  it.each([
    ['', /empty/],
    ['.', /not a file name/],
    ['..', /not a file name/],
    ['a/b', /\/ or \\/],
    ['a\\b', /\/ or \\/],
    ['a\0b', /control/],
    ['a\nb', /control/],
    ['a\u001bb', /control/],
    ['a\u007fb', /control/],
    ['a\u0085b', /control/],
    ['a\ud800b', /invalid UTF-8/],
    ['a\ufffdb', /invalid UTF-8/],
    ['.profile', /dot/],
    ['x'.repeat(256), /255 bytes/],
    ['é'.repeat(128), /255 bytes/],
  ])('refuses %j', (name, problem) => {
    expect(fileNameProblem(name)).toMatch(problem);
  });
});

describe('uploadNameProblem', () => {
  it('keeps uploaded names short enough for the outbox names built from them', () => {
    expect(uploadNameProblem('x'.repeat(MAX_UPLOAD_NAME_BYTES))).toBeUndefined();
    expect(uploadNameProblem('x'.repeat(MAX_UPLOAD_NAME_BYTES + 1))).toMatch(/200 bytes/);
    expect(Buffer.byteLength(`${'x'.repeat(MAX_UPLOAD_NAME_BYTES)}.dry-run.receipt.json`)).toBeLessThanOrEqual(255);
    expect(uploadNameProblem('../x')).toMatch(/\//);
  });
});

describe('partnerIdProblem', () => {
  it.each(['acme', 'a', 'shop-1', 'shop_2.eu', 'x'.repeat(64)])('accepts %j', (id) => {
    expect(partnerIdProblem(id)).toBeUndefined();
  });

  it.each(['', 'Acme', '-acme', '.acme', '..', '../acme', 'a/b', 'a b', 'x'.repeat(65), 'acme\0', 'ácme'])('refuses %j', (id) => {
    expect(partnerIdProblem(id)).toMatch(/not a valid partner id/);
  });
});

describe('looksTemporary', () => {
  it.each(['x.json.filepart', 'x.part', 'X.PART', 'x.json.tmp'])('%j waits for its rename', (name) => {
    expect(looksTemporary(name)).toBe(true);
  });

  it.each(['x.json', 'partial.json', 'x.tmp.json', 'x.parts'])('%j is final', (name) => {
    expect(looksTemporary(name)).toBe(false);
  });
});
