/**
 * The machinery's side of a declared `DedupePolicy` (pure): what the rest of posdrop is told about
 * the format, and what a unique key already stored means for a line.
 */
import type { LineProblem } from '../../core/line-problem.js';
import type { NameFields } from '../../core/naming.js';
import type { FormatDedupe } from '../types.js';
import type { ColumnSpec, DedupePolicy, RecordDedupe } from './declaration.js';

/** Who already holds a unique key: the file and the line that stored it. */
export interface KeyHolder {
  readonly fileId: number;
  readonly line: number;
}

/** The spec's summary of the policy: the one place `namesOnce` and `appendOnly` come from. */
export function formatDedupe(policy: DedupePolicy): FormatDedupe {
  return { namesOnce: policy.names === 'once', appendOnly: policy.records.kind === 'append' };
}

/** Builds the line error of a key already held, for one file (its name gives the scope). */
export type KeyTaken = (values: readonly unknown[]) => LineProblem;

/**
 * The line error for a `unique-key` policy, worded from the declaration alone: `ORDER_ID 2001 has
 * already been used on channel retail`. Undefined for a policy without a key.
 */
export function keyTakenRule(records: RecordDedupe, columns: readonly ColumnSpec[], fields: NameFields | null): KeyTaken | undefined {
  if (records.kind !== 'unique-key') return undefined;
  const index = columns.findIndex((column) => column.name === records.column);
  if (index === -1) throw new Error(`the dedupe key ${records.column} is not a declared column`);
  const where = records.scope ? ` on ${records.scope} ${String(fields?.[records.scope] ?? '')}` : '';
  const expected = records.scope ? `a value not used before on this ${records.scope}` : 'a value not used before';
  return (values) => {
    const value = String(values[index]);
    return {
      column: records.column,
      value,
      code: records.code,
      message: `${records.column} ${value} has already been used${where}`,
      expected,
      duplicate: true,
    };
  };
}
