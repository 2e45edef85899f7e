import { describe, expect, it } from 'vitest';
import type { FileRecord } from '../store/files.js';
import { isNewArrival } from './arrival.js';

const known = (extra: Partial<FileRecord>): FileRecord => ({
  id: 7,
  partner: 'p',
  name: 'n',
  sha256: 'h',
  size: 1,
  format: 'f',
  fields: null,
  state: 'processed',
  reasonCode: null,
  reason: null,
  counts: null,
  receivedAt: '',
  stateChangedAt: '',
  processingStartedAt: null,
  processedAt: null,
  archivePath: null,
  leftInboxAt: '2026-01-01T00:00:00.000Z',
  notes: null,
  via: null,
  senderOptions: null,
  ...extra,
});
const ONCE = { namesOnce: true, appendOnly: false };
const APPEND = { namesOnce: false, appendOnly: true };
const DEDUPED = { namesOnce: false, appendOnly: false };

describe('a known identity found in the inbox', () => {
  it('is the same file while its original may still be there, whatever the format', () => {
    for (const dedupe of [ONCE, APPEND, DEDUPED]) expect(isNewArrival(known({ leftInboxAt: null }), dedupe)).toBe(false);
    expect(isNewArrival(known({ leftInboxAt: null, state: 'rejected', reasonCode: 'withdrawn' }), DEDUPED)).toBe(false);
  });
  it('is a new arrival once its original left, for a name accepted once', () => {
    expect(isNewArrival(known({}), ONCE)).toBe(true);
    expect(isNewArrival(known({ state: 'rejected', reasonCode: 'invalid_content' }), ONCE)).toBe(true);
  });
  it('is the same file sent again when the format stores each record once, appends by name, or the name was refused', () => {
    expect(isNewArrival(known({}), DEDUPED)).toBe(false);
    expect(isNewArrival(known({}), APPEND)).toBe(false);
    expect(isNewArrival(known({ format: null, state: 'rejected', reasonCode: 'name_unrecognised' }), undefined)).toBe(false);
  });
  it('is a new arrival after a withdrawal, whose file was never processed', () => {
    expect(isNewArrival(known({ state: 'rejected', reasonCode: 'withdrawn' }), DEDUPED)).toBe(true);
  });
});
