/**
 * Typed values of delimited files: each kind turns a cell's text into a value, or into an
 * {@link Invalid} that says what is wrong and what was expected. Invalids are shared constants, so
 * a million good cells allocate nothing here.
 */
import { parseAmount } from './amount.js';

/** Why a cell's text is not a value of its kind. */
export interface Invalid {
  readonly invalid: true;
  /** Completes "<column> …", as the sources word it: `is not a valid number`. */
  readonly problem: string;
  /** What was expected, for the error log: `a whole number, such as 1042`. */
  readonly expected: string;
  readonly code: string;
}

function invalid(code: string, problem: string, expected: string): Invalid {
  return Object.freeze({ invalid: true, code, problem, expected });
}

export const NOT_A_NUMBER = invalid('invalid_number', 'is not a valid number', 'a whole number, such as 1042');
export const NOT_POSITIVE = invalid('not_positive', 'must be greater than 0', 'a whole number greater than 0');
export const NOT_AN_AMOUNT = invalid('invalid_amount', 'is not a valid amount', 'a decimal number with a point, such as 20.50');
export const NOT_A_DATE = invalid('invalid_date', 'is not a valid date', 'a calendar date written YYYY-MM-DD');
export const NOT_A_SALE_DATE = invalid('invalid_date', 'is not a valid date', 'YYYY-MM-DD or an ISO-8601 date and time');
export const NOT_A_TIME = invalid('invalid_datetime', 'is not a valid time', 'a date and time written yyyy-MM-dd HH:mm:ss');
export const NOT_A_FLAG = invalid('invalid_flag', 'must be Y or N', 'Y or N');
export const NOT_A_TOOLBOX_AMOUNT = invalid('invalid_amount', 'is not a valid amount', 'an amount such as 14,95 or 2.00 or .75 or 1500');

export function isInvalid(value: unknown): value is Invalid {
  return typeof value === 'object' && value !== null && (value as Invalid).invalid === true;
}

const INTEGER = /^-?\d{1,16}$/;
const DECIMAL = /^\d{1,15}(?:\.\d{1,6})?$/;
const ISO_TIME_REST = /^T([01]\d|2[0-3]):([0-5]\d)(?::([0-5]\d)(?:\.\d{1,9})?)?(?:Z|[+-](?:[01]\d|2[0-3]):?[0-5]\d)?$/;
const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** The digits of `text` from `start` to `end` as a number, or -1 when one is not a digit. */
function digits(text: string, start: number, end: number): number {
  let value = 0;
  for (let i = start; i < end; i += 1) {
    const code = text.charCodeAt(i) - 48;
    if (code < 0 || code > 9) return -1;
    value = value * 10 + code;
  }
  return value;
}

/**
 * True when `text` starts with a real calendar date `YYYY-MM-DD`. Checked by character codes, not
 * a regular expression and a Date: this runs for every line of a large file.
 */
function startsWithDate(text: string): boolean {
  if (text.length < 10 || text.charCodeAt(4) !== 45 || text.charCodeAt(7) !== 45) return false;
  const year = digits(text, 0, 4);
  const month = digits(text, 5, 7);
  const day = digits(text, 8, 10);
  if (year < 0 || month < 1 || month > 12 || day < 1) return false;
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  return day <= (month === 2 && leap ? 29 : (DAYS_IN_MONTH[month - 1] as number));
}

/** `HH:mm:ss` at `start`, each part in range. */
function isClock(text: string, start: number): boolean {
  if (text.charCodeAt(start + 2) !== 58 || text.charCodeAt(start + 5) !== 58) return false;
  const hours = digits(text, start, start + 2);
  const minutes = digits(text, start + 3, start + 5);
  const seconds = digits(text, start + 6, start + 8);
  return hours >= 0 && hours < 24 && minutes >= 0 && minutes < 60 && seconds >= 0 && seconds < 60;
}

/** A whole number within ±2^53 (larger ones would be silently rounded). */
export function parseInteger(text: string): number | Invalid {
  if (!INTEGER.test(text)) return NOT_A_NUMBER;
  const value = Number(text);
  return Number.isSafeInteger(value) ? value : NOT_A_NUMBER;
}

export function parsePositiveInteger(text: string): number | Invalid {
  const value = parseInteger(text);
  if (isInvalid(value)) return value;
  return value > 0 ? value : NOT_POSITIVE;
}

/** A non-negative decimal with a point, kept as written so that it stays exact. */
export function parseDecimal(text: string): string | Invalid {
  return DECIMAL.test(text) ? text : NOT_AN_AMOUNT;
}

/** `YYYY-MM-DD`, a real calendar date. */
export function parseIsoDate(text: string): string | Invalid {
  return text.length === 10 && startsWithDate(text) ? text : NOT_A_DATE;
}

/** `YYYY-MM-DD`, or an ISO-8601 date and time (with or without offset). */
export function parseSaleDate(text: string): string | Invalid {
  if (!startsWithDate(text)) return NOT_A_SALE_DATE;
  return text.length === 10 || ISO_TIME_REST.test(text.slice(10)) ? text : NOT_A_SALE_DATE;
}

/** `yyyy-MM-dd HH:mm:ss`. */
export function parseCarmaTime(text: string): string | Invalid {
  return text.length === 19 && text.charCodeAt(10) === 32 && startsWithDate(text) && isClock(text, 11) ? text : NOT_A_TIME;
}

/** `Y` or `N` (either case). */
export function parseFlag(text: string): boolean | Invalid {
  if (text === 'Y' || text === 'y') return true;
  if (text === 'N' || text === 'n') return false;
  return NOT_A_FLAG;
}

/** A Client Toolbox amount, in hundredths. */
export function parseToolboxAmount(text: string): number | Invalid {
  return parseAmount(text) ?? NOT_A_TOOLBOX_AMOUNT;
}
