/**
 * Cuts a `{"pos_data": [ … ]}` document, arriving as decoded text in pieces, into the texts of its
 * array elements and parses each with `JSON.parse`. The scan only tracks what decides where an
 * element ends (strings and their escapes, brackets) and enforces the caps on depth, string and
 * element size as it goes, so memory stays at one piece plus one element whatever the file's size.
 * Pure: no I/O; a bad document throws `FileRejected` naming line and column.
 */
import { FileRejected, type RejectCode } from '../../core/errors.js';
import { describeAt, locateJsonError } from './json-error-locator.js';
import { TextPosition } from './text-position.js';

export interface ReaderLimits {
  /** Nesting of the whole document, the outer object and the pos_data array included. */
  maxDepth: number;
  /** Characters between a string's quotes, as written (escapes count as written). */
  maxStringChars: number;
  /** Characters of one pos_data element, as written. */
  maxRecordChars: number;
}

/** One element of `pos_data`. */
export interface PosElement {
  index: number;
  /** The element exactly as it stands in the file. */
  text: string;
  value: unknown;
  /** Keys written in the text (colons outside strings): more than `value` has means a duplicate key. */
  writtenKeys: number;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COLON = 0x3a;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;

// Where the scan stands between values.
const ROOT = 0;
const FIRST_KEY = 1;
const FIRST_COLON = 2;
const ARRAY_OPEN = 3;
const FIRST_ELEMENT = 4;
const NEXT_ELEMENT = 5;
const AFTER_ELEMENT = 6;
const AFTER_ARRAY = 7;
const OTHER_KEY = 8;
const OTHER_COLON = 9;
const OTHER_VALUE = 10;
const AFTER_OTHER = 11;
const DONE = 12;

// What kind of value is being scanned.
const NONE = 0;
const CONTAINER = 1;
const STRING = 2;
const SCALAR = 3;

export class PosDataReader {
  private text = '';
  private pos = 0;
  private phase = ROOT;
  private readonly where = new TextPosition();
  private index = 0;
  // The value in progress.
  private kind = NONE;
  private start = 0;
  private depth = 0;
  private depthLimit = 0;
  private colons = 0;
  private inString = false;
  private stringStart = 0;
  /** The opening bracket of each open level: 1 object, 2 array. */
  private readonly open: Uint8Array;

  constructor(
    private readonly limits: ReaderLimits,
    private readonly onElement: (element: PosElement) => void,
  ) {
    this.open = new Uint8Array(limits.maxDepth + 2);
  }

  /** The next piece of the document (a leading BOM is already gone). */
  push(piece: string): void {
    this.text += piece;
    this.run(false);
    this.compact();
  }

  /** The document is complete: throws when it is not. */
  end(): void {
    this.run(true);
    if (this.phase === DONE) return;
    const what = this.inString ? 'a string is not closed' : this.phase <= ARRAY_OPEN ? 'pos_data is missing' : 'the JSON is not closed';
    this.reject('unparseable', this.text.length, `the JSON ends early (the file may be truncated): ${what}`);
  }

  /** How many elements have been read. */
  get elements(): number {
    return this.index;
  }

  private run(final: boolean): void {
    for (;;) {
      if (this.kind !== NONE) {
        const end = this.kind === CONTAINER ? this.scanContainer() : this.kind === STRING ? this.scanString() : this.scanScalar(final);
        if (end < 0) return;
        this.kind = NONE;
        this.pos = end;
        this.valueDone(end);
        continue;
      }
      const at = this.skipSpace();
      if (at >= this.text.length) return;
      this.punctuation(at, this.text.charCodeAt(at));
    }
  }

  private skipSpace(): number {
    const text = this.text;
    let at = this.pos;
    for (let c = text.charCodeAt(at); c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09; c = text.charCodeAt(++at));
    this.pos = at;
    return at;
  }

  /** Between values: what may come next, by phase. */
  private punctuation(at: number, c: number): void {
    const expect = (code: number, next: number, wanted: string) => {
      if (c !== code) this.syntax(at, wanted);
      this.phase = next;
      this.pos = at + 1;
    };
    switch (this.phase) {
      case ROOT:
        if (c !== OPEN_OBJECT) this.reject('invalid_content', at, `the file must be a JSON object that starts with {"pos_data": [, but it starts with ${describeAt(this.text, at)}`);
        return expect(OPEN_OBJECT, FIRST_KEY, "'{'");
      case FIRST_KEY:
        if (c === CLOSE_OBJECT) this.reject('invalid_content', at, 'the JSON object is empty: pos_data is missing');
        if (c !== QUOTE) this.syntax(at, 'a property name in double quotes');
        return this.startValue(at, c);
      case FIRST_COLON:
      case OTHER_COLON:
        return expect(COLON, this.phase === FIRST_COLON ? ARRAY_OPEN : OTHER_VALUE, "':' after the property name");
      case ARRAY_OPEN:
        if (c !== OPEN_ARRAY) this.reject('invalid_content', at, `pos_data must be an array, but its value starts with ${describeAt(this.text, at)}`);
        return expect(OPEN_ARRAY, FIRST_ELEMENT, "'['");
      case FIRST_ELEMENT:
        if (c === CLOSE_ARRAY) return expect(CLOSE_ARRAY, AFTER_ARRAY, "']'");
        return this.startValue(at, c);
      case AFTER_ELEMENT:
        if (c === CLOSE_ARRAY) return expect(CLOSE_ARRAY, AFTER_ARRAY, "']'");
        return expect(0x2c, NEXT_ELEMENT, `',' or ']' after pos_data[${this.index - 1}]`);
      case AFTER_ARRAY:
      case AFTER_OTHER:
        if (c === CLOSE_OBJECT) return expect(CLOSE_OBJECT, DONE, "'}'");
        return expect(0x2c, OTHER_KEY, "',' or '}' after a property value");
      case OTHER_KEY:
        if (c !== QUOTE) this.syntax(at, 'a property name in double quotes');
        return this.startValue(at, c);
      case DONE:
        return this.syntax(at, 'the end of the file after the JSON object');
      default:
        return this.startValue(at, c);
    }
  }

  private startValue(at: number, c: number): void {
    if (c === CLOSE_ARRAY || c === CLOSE_OBJECT || c === 0x2c || c === COLON) this.syntax(at, 'a value');
    this.start = at;
    this.colons = 0;
    this.depthLimit = this.limits.maxDepth - (this.phase === FIRST_ELEMENT || this.phase === NEXT_ELEMENT ? 2 : 1);
    if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
      this.kind = CONTAINER;
      this.depth = 1;
      this.open[1] = c === OPEN_OBJECT ? 1 : 2;
      if (this.depthLimit < 1) this.tooDeep(at);
      this.pos = at + 1;
    } else if (c === QUOTE) {
      this.kind = STRING;
      this.stringStart = at;
      this.pos = at + 1;
    } else {
      this.kind = SCALAR;
      this.pos = at;
    }
  }

  /** Scans an object or array; returns the offset just after it, or -1 when the text ends first. */
  private scanContainer(): number {
    const text = this.text;
    const length = text.length;
    const open = this.open;
    let at = this.pos;
    let depth = this.depth;
    let colons = this.colons;
    if (this.inString) {
      const close = this.closeString(this.stringStart, at);
      if (close < 0) return -1;
      at = close + 1;
    }
    while (at < length) {
      const c = text.charCodeAt(at);
      if (c === QUOTE) {
        const close = this.closeString(at, at + 1);
        if (close < 0) {
          this.depth = depth;
          this.colons = colons;
          return -1;
        }
        at = close + 1;
        continue;
      }
      if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
        if (++depth > this.depthLimit) this.tooDeep(at);
        open[depth] = c === OPEN_OBJECT ? 1 : 2;
      } else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) {
        if (open[depth] !== (c === CLOSE_OBJECT ? 1 : 2)) this.syntax(at, open[depth] === 1 ? "'}' to close the object" : "']' to close the array");
        if (--depth === 0) {
          this.colons = colons;
          return at + 1;
        }
      } else if (c === COLON) {
        colons++;
      }
      at++;
    }
    this.pos = at;
    this.depth = depth;
    this.colons = colons;
    return -1;
  }

  /**
   * The closing quote of the string opened at `open`, searching from `from`; -1 (and the scan
   * waits inside the string) when the text ends first. A quote is escaped when an odd number of
   * backslashes precede it: the whole string is still in the text, so they can be counted.
   */
  private closeString(open: number, from: number): number {
    const text = this.text;
    let close = text.indexOf('"', from);
    while (close !== -1) {
      let before = close - 1;
      while (before > open && text.charCodeAt(before) === BACKSLASH) before--;
      if (((close - 1 - before) & 1) === 0) break;
      close = text.indexOf('"', close + 1);
    }
    const written = (close < 0 ? text.length : close) - open - 1;
    if (written > this.limits.maxStringChars) {
      this.reject('too_large', open, `a string longer than ${this.limits.maxStringChars} characters${this.inElement()}`);
    }
    this.inString = close < 0;
    this.stringStart = open;
    if (close < 0) this.pos = text.length;
    return close;
  }

  private scanString(): number {
    const close = this.closeString(this.start, this.pos);
    return close < 0 ? -1 : close + 1;
  }

  private scanScalar(final: boolean): number {
    const text = this.text;
    let at = this.pos;
    for (let c = text.charCodeAt(at); at < text.length; c = text.charCodeAt(++at)) {
      if (c === 0x2c || c === CLOSE_ARRAY || c === CLOSE_OBJECT || c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) return at;
    }
    this.pos = at;
    return final ? at : -1;
  }

  /** A value is complete: what it means depends on where it stands. */
  private valueDone(end: number): void {
    const written = this.text.slice(this.start, end);
    switch (this.phase) {
      case FIRST_KEY: {
        const key = this.parse(written, this.start);
        if (key !== 'pos_data') this.reject('invalid_content', this.start, `pos_data must be the first key of the JSON object, but the first key is ${JSON.stringify(key)}`);
        this.phase = FIRST_COLON;
        return;
      }
      case OTHER_KEY:
        if (this.parse(written, this.start) === 'pos_data') this.reject('invalid_content', this.start, 'pos_data appears twice: a file holds one pos_data array');
        this.phase = OTHER_COLON;
        return;
      case OTHER_VALUE:
        this.parse(written, this.start);
        this.phase = AFTER_OTHER;
        return;
      default:
        this.element(written);
    }
  }

  private element(written: string): void {
    if (written.length > this.limits.maxRecordChars) this.recordTooLarge(this.start);
    const value = this.parse(written, this.start);
    this.phase = AFTER_ELEMENT;
    this.onElement({ index: this.index++, text: written, value, writtenKeys: this.colons });
  }

  private parse(written: string, start: number): unknown {
    try {
      return JSON.parse(written);
    } catch {
      const error = locateJsonError(written) ?? { offset: 0, message: 'not valid JSON' };
      return this.reject('unparseable', start + error.offset, `malformed JSON${this.inElement()}: ${error.message}`);
    }
  }

  /** Drops what is read, keeping the value in progress, which may not outgrow the element cap. */
  private compact(): void {
    const keep = this.kind === NONE ? this.pos : this.start;
    if (this.kind !== NONE && this.text.length - keep > this.limits.maxRecordChars) this.recordTooLarge(keep);
    if (keep === 0) return;
    this.where.drop(this.text, keep);
    this.text = this.text.slice(keep);
    this.pos -= keep;
    this.start -= keep;
    this.stringStart -= keep;
  }

  private inElement(): string {
    return this.phase === FIRST_ELEMENT || this.phase === NEXT_ELEMENT ? ` in pos_data[${this.index}]` : '';
  }

  private tooDeep(at: number): never {
    return this.reject('too_deep', at, `the JSON is nested deeper than ${this.limits.maxDepth} levels${this.inElement()}`);
  }

  private recordTooLarge(at: number): never {
    const what = this.inElement() ? `pos_data[${this.index}]` : 'a value';
    return this.reject('too_large', at, `${what} is longer than ${this.limits.maxRecordChars} characters`);
  }

  private syntax(at: number, expected: string): never {
    return this.reject('unparseable', at, `malformed JSON${this.inElement()}: expected ${expected}, found ${describeAt(this.text, at)}`);
  }

  private reject(code: RejectCode, at: number, message: string): never {
    const { line, column } = this.where.at(this.text, at);
    throw new FileRejected(code, `${message} (line ${line}, column ${column})`, { line, column });
  }
}
