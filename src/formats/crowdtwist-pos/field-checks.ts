/**
 * Reading the fields of a parsed request: each reader returns the value when it is right, and
 * otherwise records a problem that names the field, what was expected and what was found.
 */
import type { Extra, FieldProblem } from './requests.js';
import { childPath, WrittenObjects } from './written-members.js';

/** A parsed JSON object. */
export type JsonObject = Record<string, unknown>;

/** An object, not an array or null. */
export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** How a found value reads in a message. */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string') return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  if (typeof value === 'number') return `the number ${value}`;
  return String(value);
}

/** Joins a path: `data` + `items` → `data.items`; `` + `type` → `type`. */
export const fieldPath: (parent: string, key: string | number) => string = childPath;

interface Presence {
  /** Absent and null are fine; the reader then returns undefined without a problem. */
  optional?: boolean;
}

/** Reads fields of one request and collects every problem found. */
export class FieldReader {
  readonly problems: FieldProblem[] = [];
  /** Paths of the fields posdrop does not know (`data.items[0].gift`): kept as written, never looked into. */
  readonly unknownFields: string[] = [];

  /** Where unknown fields are copied from: the request as it stands in the file. */
  private readonly written: WrittenObjects;

  /** `written`: the request's text in the file. */
  constructor(written: string) {
    this.written = new WrittenObjects(written);
  }

  /**
   * The fields of `object` (at `path`) not in `known`, as a JSON object of their members copied
   * from the text, so that `1.50` stays `1.50`; null when there are none.
   */
  extra(object: JsonObject, known: ReadonlySet<string>, path: string): Extra {
    if (Object.keys(object).every((key) => known.has(key))) return null;
    const kept: string[] = [];
    for (const [key, member] of this.written.membersAt(path)) {
      if (known.has(key)) continue;
      kept.push(member);
      this.unknownFields.push(fieldPath(path, key));
    }
    return `{${kept.join(',')}}`;
  }

  /** Records a problem of any code. */
  add(field: string, code: string, message: string, value?: unknown): void {
    this.problems.push(value === undefined ? { field, code, message } : { field, code, message, value });
  }

  text(object: JsonObject, key: string, path: string, presence: Presence & { nonEmpty?: boolean } = {}): string | undefined {
    const value = this.present(object, key, path, presence);
    if (value === undefined) return undefined;
    if (typeof value !== 'string') return this.wrongType(fieldPath(path, key), 'a string', value);
    if (value.includes('\0')) return this.nul(fieldPath(path, key), value);
    if (presence.nonEmpty !== false && value.trim() === '') return this.invalid(fieldPath(path, key), 'must not be empty', value);
    return value;
  }

  integer(object: JsonObject, key: string, path: string, presence: Presence & { min?: number } = {}): number | undefined {
    const value = this.present(object, key, path, presence);
    if (value === undefined) return undefined;
    if (typeof value !== 'number' || !Number.isInteger(value)) return this.wrongType(fieldPath(path, key), 'a whole number', value);
    if (!Number.isSafeInteger(value)) return this.invalid(fieldPath(path, key), `must be within ±${Number.MAX_SAFE_INTEGER}`, value);
    if (presence.min !== undefined && value < presence.min) {
      return this.invalid(fieldPath(path, key), `must be ${presence.min} or more`, value);
    }
    return value;
  }

  number(object: JsonObject, key: string, path: string, presence: Presence & { min?: number } = {}): number | undefined {
    const value = this.present(object, key, path, presence);
    if (value === undefined) return undefined;
    if (typeof value !== 'number') return this.wrongType(fieldPath(path, key), 'a number', value);
    if (!Number.isFinite(value)) return this.invalid(fieldPath(path, key), 'is beyond the range of numbers', value);
    if (presence.min !== undefined && value < presence.min) {
      return this.invalid(fieldPath(path, key), `must be ${presence.min} or more`, value);
    }
    return value;
  }

  boolean(object: JsonObject, key: string, path: string): boolean {
    const value = this.present(object, key, path, { optional: true });
    if (value === undefined) return false;
    if (typeof value !== 'boolean') return this.wrongType(fieldPath(path, key), 'true or false', value) ?? false;
    return value;
  }

  /** An ISO-8601 date and time with an offset: `2017-05-08T10:25:43.511+00:00`. */
  timestamp(object: JsonObject, key: string, path: string): string | undefined {
    const value = this.text(object, key, path);
    if (value === undefined) return undefined;
    if (!isIsoTimestamp(value)) {
      return this.invalid(fieldPath(path, key), 'must be an ISO-8601 date and time with an offset, like 2017-05-08T10:25:43.511+00:00', value);
    }
    return value;
  }

  object(object: JsonObject, key: string, path: string, presence: Presence = {}): JsonObject | undefined {
    const value = this.present(object, key, path, presence);
    if (value === undefined) return undefined;
    if (!isObject(value)) return this.wrongType(fieldPath(path, key), 'an object', value);
    return value;
  }

  list(object: JsonObject, key: string, path: string, presence: Presence & { min?: number } = {}): unknown[] | undefined {
    const value = this.present(object, key, path, presence);
    if (value === undefined) return undefined;
    if (!Array.isArray(value)) return this.wrongType(fieldPath(path, key), 'an array', value);
    if (presence.min !== undefined && value.length < presence.min) {
      return this.invalid(fieldPath(path, key), `must hold at least ${presence.min} element${presence.min === 1 ? '' : 's'}`, value);
    }
    return value;
  }

  wrongType(field: string, expected: string, value: unknown): undefined {
    this.add(field, 'invalid_type', `${field} must be ${expected}, not ${describeValue(value)}`, value);
    return undefined;
  }

  /** A string with U+0000 in it (written `\u0000`): refused as the delimited formats refuse a NUL byte. */
  nul(field: string, value: string): undefined {
    this.add(field, 'nul_byte', `${field} contains a NUL character (\\u0000); expected text without it`, value);
    return undefined;
  }

  invalid(field: string, rule: string, value: unknown): undefined {
    this.add(field, 'invalid_value', `${field} ${rule}; found ${describeValue(value)}`, value);
    return undefined;
  }

  private present(object: JsonObject, key: string, path: string, presence: Presence): unknown {
    const value = Object.hasOwn(object, key) ? object[key] : undefined;
    if (value !== undefined && !(value === null && presence.optional)) return value;
    if (!presence.optional) this.add(fieldPath(path, key), 'missing_field', `${fieldPath(path, key)} is required`);
    return undefined;
  }
}

const TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(?:Z|[+-](\d{2}):(\d{2}))$/;

/** A real date and time, written ISO-8601 with seconds optional and an offset (`Z` or `±hh:mm`). */
export function isIsoTimestamp(text: string): boolean {
  const parts = TIMESTAMP.exec(text);
  if (!parts) return false;
  const [year, month, day, hour, minute, second = 0, offsetHours = 0, offsetMinutes = 0] = parts
    .slice(1)
    .map((part) => (part === undefined ? undefined : Number(part))) as number[];
  const date = new Date(Date.UTC(year as number, (month as number) - 1, day));
  return (
    date.getUTCMonth() === (month as number) - 1 &&
    date.getUTCDate() === day &&
    (hour as number) < 24 &&
    (minute as number) < 60 &&
    second < 60 &&
    offsetHours < 24 &&
    offsetMinutes < 60
  );
}
