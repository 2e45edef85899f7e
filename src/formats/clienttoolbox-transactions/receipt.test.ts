import { describe, expect, it } from 'vitest';
import type { RunSummary } from '../delimited/run.js';
import { errorReceipt, successReceipt } from './receipt.js';

const summary = (accepted: number, failedLines: number, alreadyStored = 0): RunSummary => ({
  total: accepted + alreadyStored + failedLines,
  accepted: accepted + alreadyStored,
  failed: failedLines,
  duplicates: 0,
  alreadyStored,
  errorLines: failedLines,
  errorFields: failedLines,
  warnings: [],
  listed: Array.from({ length: failedLines }, (_, i) => ({
    line: i + 2,
    problems: [{ column: 'code', value: '<x>&', code: 'unknown_customer', message: 'code <x>& is not a customer', expected: '' }],
  })),
});

describe('Client Toolbox receipt', () => {
  it("is the guide's success XML when every line is imported", () => {
    expect(successReceipt(summary(7, 0), { receipt: 'xml', condensed: false })).toBe(
      '<response status="success">\n  <batch status="all_imported">\n    <transactions>7</transactions>\n  </batch>\n</response>\n',
    );
  });
  it('counts the transactions a batch posted when it was processed before', () => {
    expect(successReceipt(summary(0, 0, 7), { receipt: 'xml', condensed: false })).toContain('<batch status="all_imported">\n    <transactions>7</transactions>');
    expect(successReceipt(summary(1, 1, 2), { receipt: 'xml', condensed: false })).toContain('<batch status="partially_imported">\n    <transactions>3</transactions>');
  });
  it('lists failed lines with escaped text', () => {
    const xml = successReceipt(summary(0, 1), { receipt: 'xml', condensed: false });
    expect(xml).toContain('<batch status="none_imported">');
    expect(xml).toContain('value="&#60;x&#62;&#38;"');
  });
  it('answers JSON, condensed without white space', () => {
    const json = successReceipt(summary(2, 1), { receipt: 'json', condensed: true });
    expect(json).toBe(`${JSON.stringify(JSON.parse(json))}\n`);
    expect(JSON.parse(json)).toMatchObject({ response: { status: 'success', batch: { status: 'partially_imported', transactions: 2 } } });
    expect(errorReceipt('not UTF-8', { receipt: 'xml', condensed: false })).toBe('<response status="error">\n  <error>not UTF-8</error>\n</response>\n');
  });
});
