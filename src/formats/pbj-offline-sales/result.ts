/**
 * `<name>.result.json`, the body PBJ's own API answers: `{"result": N}` on success, otherwise
 * its 400 error body (pure).
 */
import type { FailedLine, RunSummary } from '../delimited/run.js';

/** PBJ lists at most this many lines; the rest are counted in `additional_errors`. */
export const MAX_LISTED_LINES = 100;

export interface PbjErrorBody {
  error: {
    code: 400;
    message: string;
    extended?: {
      errors: { line: number; messages: string[] }[];
      error_lines: number;
      error_fields: number;
      additional_errors: number;
    };
  };
}

export type PbjResult = { result: number } | PbjErrorBody;

export function pbjResult(summary: RunSummary): PbjResult {
  // the file's sales, also those it stored when processed before: processed again, it answers as it did
  if (summary.errorLines === 0) return { result: summary.accepted };
  const listed: FailedLine[] = summary.listed.slice(0, MAX_LISTED_LINES);
  return {
    error: {
      code: 400,
      message: 'File content contains one or more errors',
      extended: {
        errors: listed.map((failed) => ({ line: failed.line, messages: failed.problems.map((problem) => problem.message) })),
        error_lines: summary.errorLines,
        error_fields: summary.errorFields,
        additional_errors: summary.errorLines - listed.length,
      },
    },
  };
}

/** A refusal of the whole file, in the same shape (already uploaded, not UTF-8, …). */
export function pbjRefusal(message: string): PbjErrorBody {
  return { error: { code: 400, message } };
}

export function resultJson(result: PbjResult): string {
  return `${JSON.stringify(result, null, 2)}\n`;
}
