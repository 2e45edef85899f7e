import { describe, expect, it } from 'vitest';
import type { RunSummary } from '../delimited/run.js';
import { MAX_LISTED_LINES, pbjResult } from './result.js';

describe('PBJ result body', () => {
  it('lists at most 100 lines and counts the rest in additional_errors', () => {
    const failed = 130;
    const summary: RunSummary = {
      total: failed,
      accepted: 0,
      failed,
      duplicates: 0,
      alreadyStored: 0,
      errorLines: failed,
      errorFields: failed * 2,
      warnings: [],
      listed: Array.from({ length: failed }, (_, i) => ({
        line: i + 2,
        problems: [
          { column: 'ORDER_ID', value: 'x', code: 'invalid_number', message: 'ORDER_ID is not a valid number', expected: '' },
          { column: 'DRAW_NO', value: 'x', code: 'invalid_number', message: 'DRAW_NO is not a valid number', expected: '' },
        ],
      })),
    };
    const body = pbjResult(summary);
    expect(body).toMatchObject({ error: { code: 400, extended: { error_lines: 130, error_fields: 260, additional_errors: 30 } } });
    expect('error' in body && body.error.extended?.errors).toHaveLength(MAX_LISTED_LINES);
  });
  it('counts the sales a file stored when it was processed before', () => {
    const again: RunSummary = { total: 34, accepted: 34, failed: 0, duplicates: 0, alreadyStored: 34, errorLines: 0, errorFields: 0, listed: [], warnings: [] };
    expect(pbjResult(again)).toEqual({ result: 34 });
  });
});
