/**
 * What `JSON.parse` hides and the text still shows: a key written twice (the parser keeps the
 * last value silently) and an integer beyond ±(2^53 − 1) (the parser rounds it silently). A cheap
 * look at the parsed value tells whether either can be there; only then is the element's text
 * read again to say where, with the digits as written. Inside a field posdrop does not know,
 * neither is a problem: such a field is kept as written, so nothing of it is lost or rounded.
 */
import { fieldPath } from './field-checks.js';
import type { PosElement } from './pos-data-reader.js';
import type { FieldProblem } from './requests.js';

interface Census {
  keys: number;
  /** A number no integer literal within the safe range can parse to. */
  beyondSafe: boolean;
}

function census(value: unknown, counts: Census): void {
  if (typeof value === 'number') {
    if (value > Number.MAX_SAFE_INTEGER || value < -Number.MAX_SAFE_INTEGER) counts.beyondSafe = true;
  } else if (Array.isArray(value)) {
    for (const item of value) census(item, counts);
  } else if (typeof value === 'object' && value !== null) {
    for (const key of Object.keys(value)) {
      counts.keys += 1;
      census((value as Record<string, unknown>)[key], counts);
    }
  }
}

/**
 * Duplicate keys and unsafe integers in one element, outside its `unknownFields` (paths, as
 * validation found them); usually none, found fast.
 */
export function rawProblems(element: PosElement, unknownFields: readonly string[] = []): FieldProblem[] {
  const counts: Census = { keys: 0, beyondSafe: false };
  census(element.value, counts);
  if (counts.keys === element.writtenKeys && !counts.beyondSafe) return [];
  const problems: FieldProblem[] = [];
  new TextWalker(element.text, problems, (path) => unknownFields.some((field) => within(path, field))).value('');
  return problems;
}

/** `path` is `field` or lies inside it. */
function within(path: string, field: string): boolean {
  return path.startsWith(field) && (path.length === field.length || path[field.length] === '.' || path[field.length] === '[');
}

const INTEGER = /-?\d+/y;
const NUMBER = /-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const LIMIT = BigInt(Number.MAX_SAFE_INTEGER);

/** Walks a text `JSON.parse` accepted, with the path of every value. */
class TextWalker {
  private at = 0;

  constructor(
    private readonly text: string,
    private readonly problems: FieldProblem[],
    /** A value kept as written, whose content is nobody's concern. */
    private readonly keptAsWritten: (path: string) => boolean,
  ) {}

  value(path: string): void {
    this.space();
    const char = this.text.charAt(this.at);
    if (char === '{') this.object(path);
    else if (char === '[') this.array(path);
    else if (char === '"') this.string();
    else if (char === '-' || (char >= '0' && char <= '9')) this.number(path);
    else this.at += char === 'f' ? 5 : 4;
  }

  private object(path: string): void {
    const seen = new Set<string>();
    this.at++;
    while (this.at < this.text.length) {
      this.space();
      if (this.text.charAt(this.at) === '}') break;
      const key = JSON.parse(this.string()) as string;
      // A key written twice in an unknown object is kept as written too; one in an object posdrop
      // reads would lose a value.
      if (seen.has(key) && !this.keptAsWritten(path)) {
        const field = fieldPath(path, key);
        this.problems.push({ field, code: 'duplicate_key', message: `${field} is written twice: a key may appear once in an object` });
      }
      seen.add(key);
      this.space();
      this.at++; // ':'
      this.value(fieldPath(path, key));
      this.space();
      if (this.text.charAt(this.at) === ',') this.at++;
    }
    this.at++;
  }

  private array(path: string): void {
    this.at++;
    for (let index = 0; this.at < this.text.length; index++) {
      this.space();
      if (this.text.charAt(this.at) === ']') break;
      this.value(fieldPath(path, index));
      this.space();
      if (this.text.charAt(this.at) === ',') this.at++;
    }
    this.at++;
  }

  /** Skips a string; returns it as written, quotes included. */
  private string(): string {
    const start = this.at;
    this.at++;
    while (this.at < this.text.length) {
      const char = this.text.charAt(this.at);
      this.at += char === '\\' ? 2 : 1;
      if (char === '"') break;
    }
    return this.text.slice(start, this.at);
  }

  private number(path: string): void {
    NUMBER.lastIndex = this.at;
    NUMBER.test(this.text);
    const written = this.text.slice(this.at, NUMBER.lastIndex);
    INTEGER.lastIndex = 0;
    const integer = INTEGER.test(written) && INTEGER.lastIndex === written.length;
    const unsafe = integer && written.replace('-', '').length >= 16 && (BigInt(written) > LIMIT || BigInt(written) < -LIMIT);
    if (unsafe && !this.keptAsWritten(path)) {
      this.problems.push({
        field: path,
        code: 'unsafe_integer',
        message: `${path || 'the value'} is ${written}, beyond ±${Number.MAX_SAFE_INTEGER} (2^53 − 1): it cannot be stored without rounding; send it as a string`,
        value: written,
      });
    }
    this.at = NUMBER.lastIndex;
  }

  private space(): void {
    while (' \t\n\r'.includes(this.text.charAt(this.at)) && this.at < this.text.length) this.at++;
  }
}
