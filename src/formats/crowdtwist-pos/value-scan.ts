/**
 * Finds where one JSON value ends in text that arrives in pieces, without building it: only
 * strings (their closing quote found with `indexOf`, escapes told by the backslashes before it),
 * brackets and colons matter. Caps on depth and string length are checked as it goes. Pure.
 */
import type { RejectCode } from '../../core/errors.js';

/** Character codes the scan looks for. */
export const QUOTE = 0x22;
export const COMMA = 0x2c;
export const COLON = 0x3a;
export const OPEN_OBJECT = 0x7b;
export const CLOSE_OBJECT = 0x7d;
export const OPEN_ARRAY = 0x5b;
export const CLOSE_ARRAY = 0x5d;
const BACKSLASH = 0x5c;

/** What kind of value is being scanned. */
export const NONE = 0;
const CONTAINER = 1;
const STRING = 2;
const SCALAR = 3;

/** Refuses the document at `at`; never returns. */
export type Fail = (code: RejectCode, at: number, message: string) => never;

/** The scan of the value in progress; it carries its state from one piece of text to the next. */
export class ValueScan {
  kind = NONE;
  /** Where the value starts in the text. */
  start = 0;
  /** Where the scan goes on. */
  pos = 0;
  /** Colons outside strings: one per key written. */
  colons = 0;
  inString = false;
  private stringStart = 0;
  private depth = 0;
  private depthLimit = 0;
  /** The opening bracket of each open level: 1 object, 2 array. */
  private readonly open: Uint8Array;

  constructor(
    maxDepth: number,
    private readonly maxStringChars: number,
    private readonly fail: Fail,
    /** ` in pos_data[3]`, for messages. */
    private readonly context: () => string,
  ) {
    this.open = new Uint8Array(maxDepth + 2);
  }

  /** Starts a value at `at`, whose first character is `c`; it may nest `depthLimit` levels. */
  begin(at: number, c: number, depthLimit: number): void {
    this.start = at;
    this.colons = 0;
    this.depthLimit = depthLimit;
    if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
      this.kind = CONTAINER;
      this.depth = 1;
      this.open[1] = c === OPEN_OBJECT ? 1 : 2;
      if (depthLimit < 1) this.tooDeep(at);
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

  /** The offset just after the value, or -1 when `text` ends first (at the `final` end, a number ends there). */
  next(text: string, final: boolean): number {
    const end = this.kind === CONTAINER ? this.container(text) : this.kind === STRING ? this.string(text) : this.scalar(text, final);
    if (end >= 0) this.kind = NONE;
    return end;
  }

  /** The text lost its first `count` characters. */
  shift(count: number): void {
    this.pos -= count;
    this.start -= count;
    this.stringStart -= count;
  }

  private container(text: string): number {
    const length = text.length;
    const open = this.open;
    let at = this.pos;
    let depth = this.depth;
    let colons = this.colons;
    if (this.inString) {
      const close = this.closeString(text, this.stringStart, at);
      if (close < 0) return -1;
      at = close + 1;
    }
    while (at < length) {
      const c = text.charCodeAt(at);
      if (c === QUOTE) {
        const close = this.closeString(text, at, at + 1);
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
        if (open[depth] !== (c === CLOSE_OBJECT ? 1 : 2)) this.mismatch(text, at, open[depth] === 1);
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
  private closeString(text: string, open: number, from: number): number {
    let close = text.indexOf('"', from);
    while (close !== -1) {
      let before = close - 1;
      while (before > open && text.charCodeAt(before) === BACKSLASH) before--;
      if (((close - 1 - before) & 1) === 0) break;
      close = text.indexOf('"', close + 1);
    }
    if ((close < 0 ? text.length : close) - open - 1 > this.maxStringChars) {
      this.fail('too_large', open, `a string longer than ${this.maxStringChars} characters${this.context()}`);
    }
    this.inString = close < 0;
    this.stringStart = open;
    if (close < 0) this.pos = text.length;
    return close;
  }

  private string(text: string): number {
    const close = this.closeString(text, this.start, this.pos);
    return close < 0 ? -1 : close + 1;
  }

  private scalar(text: string, final: boolean): number {
    let at = this.pos;
    for (let c = text.charCodeAt(at); at < text.length; c = text.charCodeAt(++at)) {
      if (c === COMMA || c === CLOSE_ARRAY || c === CLOSE_OBJECT || c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) return at;
    }
    this.pos = at;
    return final ? at : -1;
  }

  private tooDeep(at: number): never {
    return this.fail('too_deep', at, `the JSON is nested deeper than ${this.open.length - 2} levels${this.context()}`);
  }

  private mismatch(text: string, at: number, object: boolean): never {
    const found = `'${text.charAt(at)}'`;
    return this.fail('unparseable', at, `malformed JSON${this.context()}: expected ${object ? "'}' to close the object" : "']' to close the array"}, found ${found}`);
  }
}
