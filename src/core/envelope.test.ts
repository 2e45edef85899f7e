import { describe, expect, it } from 'vitest';
import { envelopeOf, inflateProblem, memberNameProblem } from './envelope.js';

const LIMITS = { maxBytes: 1000, maxRatio: 10, maxMembers: 5 };

describe('envelopes', () => {
  it('reads the envelope from the last extension, in any case', () => {
    expect(envelopeOf('a.csv.gz')).toEqual({ kind: 'gzip', inner: 'a.csv' });
    expect(envelopeOf('A.CSV.GZ')).toEqual({ kind: 'gzip', inner: 'A.CSV' });
    expect(envelopeOf('batch.Zip')).toEqual({ kind: 'zip' });
    expect(envelopeOf('a.csv.gz.gpg')).toEqual({ kind: 'pgp', inner: 'a.csv.gz' });
    expect(envelopeOf('a.asc')).toEqual({ kind: 'pgp', inner: 'a' });
    expect([envelopeOf('a.csv'), envelopeOf('.gz'), envelopeOf('gz'), envelopeOf('.zip')]).toEqual([undefined, undefined, undefined, undefined]);
  });

  it('refuses every member name that is a path', () => {
    for (const name of ['../x.csv', '/etc/x', 'a/b.csv', 'a\\b.csv', 'dir/']) expect(memberNameProblem(name)?.code, name).toBe('archive_member_path');
    expect(memberNameProblem('..')?.code).toBe('archive_member_name');
    expect(memberNameProblem('good.csv')).toBeUndefined();
  });

  it('stops at the member size and at the ratio, once past a small floor', () => {
    expect(inflateProblem('m', 1001, 1001, 500, LIMITS)?.code).toBe('inflated_too_large');
    expect(inflateProblem('m', 1000, 1000, 1, LIMITS)).toBeUndefined(); // below the floor a ratio says nothing
    expect(inflateProblem('m', 10, 70_000, 6_000, { ...LIMITS, maxBytes: 1e9 })?.code).toBe('compression_ratio');
    expect(inflateProblem('m', 10, 70_000, 7_000, { ...LIMITS, maxBytes: 1e9 })).toBeUndefined();
  });
});
