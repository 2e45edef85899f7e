/** What is wrong with one line of a delimited file: data, not an exception. */
export interface LineProblem {
  /** The column's name as the source names it; `''` for the line as a whole. */
  readonly column: string;
  /** The offending text (the cell, or the start of the line). */
  readonly value: string;
  /** Stable: `invalid_number`, `ragged_line`, `over_balance`, … */
  readonly code: string;
  /** Worded as the source words it: `ORDER_ID is not a valid number`. */
  readonly message: string;
  /** What was expected instead: `a whole number, such as 1042`. */
  readonly expected: string;
  /** The record is already stored (counted as a duplicate, not only as a failure). */
  readonly duplicate?: boolean;
}

/** The message with its expectation, for error logs and the CLI. */
export function fullMessage(problem: LineProblem): string {
  return problem.expected ? `${problem.message}; expected ${problem.expected}` : problem.message;
}

const PREVIEW = 80;

/** The start of a long value, for messages about a whole line. */
export function preview(text: string): string {
  return text.length > PREVIEW ? `${text.slice(0, PREVIEW)}…` : text;
}
