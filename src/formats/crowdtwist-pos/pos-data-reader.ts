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
import { CLOSE_ARRAY, CLOSE_OBJECT, COLON, COMMA, NONE, OPEN_ARRAY, OPEN_OBJECT, QUOTE, ValueScan } from './value-scan.js';

/** The caps that keep one document from taking the memory. */
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

/** Reads one document; `onElement` sees each pos_data element as soon as it is complete. */
export class PosDataReader {
  private text = '';
  private pos = 0;
  private phase = ROOT;
  private readonly where = new TextPosition();
  private index = 0;
  /** The value in progress. */
  private readonly scan: ValueScan;

  constructor(
    private readonly limits: ReaderLimits,
    private readonly onElement: (element: PosElement) => void,
  ) {
    const fail = (code: RejectCode, at: number, message: string) => this.reject(code, at, message);
    this.scan = new ValueScan(limits.maxDepth, limits.maxStringChars, fail, () => this.inElement());
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
    const what = this.scan.inString ? 'a string is not closed' : this.phase <= ARRAY_OPEN ? 'pos_data is missing' : 'the JSON is not closed';
    this.reject('unparseable', this.text.length, `the JSON ends early (the file may be truncated): ${what}`);
  }

  /** How many elements have been read. */
  get elements(): number {
    return this.index;
  }

  private run(final: boolean): void {
    for (;;) {
      if (this.scan.kind !== NONE) {
        const end = this.scan.next(this.text, final);
        if (end < 0) return;
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
        return expect(COMMA, NEXT_ELEMENT, `',' or ']' after pos_data[${this.index - 1}]`);
      case AFTER_ARRAY:
      case AFTER_OTHER:
        if (c === CLOSE_OBJECT) return expect(CLOSE_OBJECT, DONE, "'}'");
        return expect(COMMA, OTHER_KEY, "',' or '}' after a property value");
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
    if (c === CLOSE_ARRAY || c === CLOSE_OBJECT || c === COMMA || c === COLON) this.syntax(at, 'a value');
    const inArray = this.phase === FIRST_ELEMENT || this.phase === NEXT_ELEMENT;
    this.scan.begin(at, c, this.limits.maxDepth - (inArray ? 2 : 1));
  }

  /** A value is complete: what it means depends on where it stands. */
  private valueDone(end: number): void {
    const start = this.scan.start;
    const written = this.text.slice(start, end);
    switch (this.phase) {
      case FIRST_KEY: {
        const key = this.parse(written, start);
        if (key !== 'pos_data') this.reject('invalid_content', start, `pos_data must be the first key of the JSON object, but the first key is ${JSON.stringify(key)}`);
        this.phase = FIRST_COLON;
        return;
      }
      case OTHER_KEY:
        if (this.parse(written, start) === 'pos_data') this.reject('invalid_content', start, 'pos_data appears twice: a file holds one pos_data array');
        this.phase = OTHER_COLON;
        return;
      case OTHER_VALUE:
        this.parse(written, start);
        this.phase = AFTER_OTHER;
        return;
      default:
        this.element(written, start);
    }
  }

  private element(written: string, start: number): void {
    if (written.length > this.limits.maxRecordChars) this.recordTooLarge(start);
    const value = this.parse(written, start);
    this.phase = AFTER_ELEMENT;
    this.onElement({ index: this.index++, text: written, value, writtenKeys: this.scan.colons });
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
    const scanning = this.scan.kind !== NONE;
    const keep = scanning ? this.scan.start : this.pos;
    if (scanning && this.text.length - keep > this.limits.maxRecordChars) this.recordTooLarge(keep);
    if (keep === 0) return;
    this.where.drop(this.text, keep);
    this.text = this.text.slice(keep);
    this.pos -= keep;
    this.scan.shift(keep);
  }

  private inElement(): string {
    return this.phase === FIRST_ELEMENT || this.phase === NEXT_ELEMENT ? ` in pos_data[${this.index}]` : '';
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
