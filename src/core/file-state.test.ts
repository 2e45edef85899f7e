import { describe, expect, it } from 'vitest';
import { canMove, FILE_STATES, FINAL_STATES, isFileState } from './file-state.js';

describe('file states', () => {
  it('follows DESIGN.md: received → held → queued → processing → processed | rejected | failed', () => {
    expect(canMove('received', 'queued')).toBe(true);
    expect(canMove('received', 'held')).toBe(true);
    expect(canMove('held', 'queued')).toBe(true);
    expect(canMove('queued', 'processing')).toBe(true);
    for (const end of ['processed', 'rejected', 'failed'] as const) expect(canMove('processing', end)).toBe(true);
  });

  it('refuses skipping processing, and going back to received', () => {
    expect(canMove('queued', 'processed')).toBe(false);
    expect(canMove('held', 'processing')).toBe(false);
    for (const state of FILE_STATES) expect(canMove(state, 'received')).toBe(false);
  });

  it('lets a pending file be withdrawn (rejected) and a final one be queued again (reprocess)', () => {
    for (const state of ['received', 'held', 'queued'] as const) expect(canMove(state, 'rejected')).toBe(true);
    for (const state of FINAL_STATES) expect(canMove(state, 'queued')).toBe(true);
  });

  it('knows its states', () => {
    expect(isFileState('queued')).toBe(true);
    expect(isFileState('lost')).toBe(false);
    expect([...FINAL_STATES].sort()).toEqual(['failed', 'processed', 'rejected']);
  });
});
