/**
 * The Client Toolbox answer (pure): `<response status="success"><batch status="…">` with the
 * number of imported transactions and the failed lines, in XML (the default) or JSON (`condensed`
 * without white space); a whole-file refusal is the guide's `<response status="error">`.
 */
import { fullMessage } from '../../core/line-problem.js';
import type { FailedLine, RunSummary } from '../delimited/run.js';

export type BatchStatus = 'all_imported' | 'partially_imported' | 'none_imported';

export interface ReceiptStyle {
  receipt: 'xml' | 'json';
  condensed: boolean;
}

/** The batch's transactions in the ledger: posted now, or when it was processed before. */
function imported(summary: RunSummary): number {
  return summary.accepted;
}

export function batchStatus(summary: RunSummary): BatchStatus {
  if (summary.errorLines === 0) return 'all_imported';
  return imported(summary) > 0 ? 'partially_imported' : 'none_imported';
}

function xmlEscape(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`).replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, '\uFFFD');
}

function errorList(listed: readonly FailedLine[]) {
  return listed.flatMap((failed) =>
    failed.problems.map((problem) => ({ line: failed.line, column: problem.column, value: problem.value, code: problem.code, message: fullMessage(problem) })),
  );
}

function stringify(value: unknown, style: ReceiptStyle): string {
  return `${style.condensed ? JSON.stringify(value) : JSON.stringify(value, null, 2)}\n`;
}

export function successReceipt(summary: RunSummary, style: ReceiptStyle): string {
  const status = batchStatus(summary);
  const errors = errorList(summary.listed);
  const unlisted = summary.errorLines - summary.listed.length;
  if (style.receipt === 'json') {
    const batch: Record<string, unknown> = { status, transactions: imported(summary) };
    if (errors.length) batch.errors = errors;
    if (unlisted > 0) batch.unlisted_error_lines = unlisted;
    return stringify({ response: { status: 'success', batch } }, style);
  }
  const lines = ['<response status="success">', `  <batch status="${status}">`, `    <transactions>${imported(summary)}</transactions>`];
  if (errors.length) {
    lines.push('    <errors>');
    for (const error of errors) {
      lines.push(
        `      <error line="${error.line}" column="${xmlEscape(error.column)}" value="${xmlEscape(error.value)}" code="${error.code}">${xmlEscape(error.message)}</error>`,
      );
    }
    lines.push('    </errors>');
  }
  if (unlisted > 0) lines.push(`    <unlisted_error_lines>${unlisted}</unlisted_error_lines>`);
  lines.push('  </batch>', '</response>', '');
  return lines.join('\n');
}

export function errorReceipt(message: string, style: ReceiptStyle): string {
  if (style.receipt === 'json') return stringify({ response: { status: 'error', error: message } }, style);
  return `<response status="error">\n  <error>${xmlEscape(message)}</error>\n</response>\n`;
}

export function receiptSuffix(style: ReceiptStyle): string {
  return style.receipt === 'json' ? '.result.json' : '.result.xml';
}
