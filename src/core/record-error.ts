/** A record that failed validation: data, not an exception. */
export interface RecordError {
  /** Line number (delimited files, from 1) or index in the array (JSON, from 0). */
  position: number;
  /** The record's own key when it has one (receipt_id, ORDER_ID). */
  key?: string | undefined;
  /** Column name or field path (`data.items[0].quantity`). */
  field?: string | undefined;
  /** Stable code: `missing_field`, `invalid_type`, `duplicate_receipt_id`, … */
  code: string;
  /** What is wrong and what was expected, for the partner. */
  message: string;
  /** The offending value as text. */
  value?: string | undefined;
}

const MAX_VALUE = 200;

/** Cuts a value for storage and display. */
export function clipValue(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  const text = typeof value === 'string' ? value : JSON.stringify(value) ?? String(value);
  return text.length > MAX_VALUE ? `${text.slice(0, MAX_VALUE)}…` : text;
}

/**
 * A record error as the stores keep it: the value cut, and U+0000 (a partner's NUL byte, which
 * PostgreSQL's text cannot hold) shown as U+2400 ␀ wherever it came from, alike on both engines.
 */
export function storedError(error: RecordError): RecordError {
  return {
    position: error.position,
    key: visibleNul(error.key),
    field: visibleNul(error.field),
    code: error.code,
    message: visibleNul(error.message)!,
    value: visibleNul(clipValue(error.value)),
  };
}

/** `text` with U+0000 shown as U+2400 ␀, which every store can hold. */
export function visibleNul(text: string | undefined): string | undefined {
  return text?.replaceAll('\0', '\u2400');
}
