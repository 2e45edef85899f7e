/**
 * Finds where a JSON text breaks and what was expected there. `JSON.parse` says that a text is
 * broken, but not always where; this runs only after it failed, so it favours clear messages
 * over speed.
 */

/** The first syntax error of a text: its offset and what was expected. */
export interface JsonSyntaxError {
  offset: number;
  message: string;
}

class Broken extends Error {
  constructor(
    readonly offset: number,
    message: string,
  ) {
    super(message);
  }
}

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const LITERALS = ['true', 'false', 'null'];

/** The first syntax error in `text` (one JSON value), or undefined when it is valid JSON. */
export function locateJsonError(text: string): JsonSyntaxError | undefined {
  const scanner = new Scanner(text);
  try {
    scanner.value();
    scanner.space();
    if (scanner.at < text.length) scanner.fail('the end of the value');
    return undefined;
  } catch (err) {
    if (err instanceof Broken) return { offset: err.offset, message: err.message };
    throw err;
  }
}

/** What stands at `offset`, for messages: `'}'`, or `the end of the text`. */
export function describeAt(text: string, offset: number): string {
  if (offset >= text.length) return 'the end of the text';
  const char = text.charAt(offset);
  if (char === '\n') return 'a line break';
  const code = text.charCodeAt(offset);
  return code < 0x20 ? `control character U+${code.toString(16).padStart(4, '0')}` : `'${char}'`;
}

class Scanner {
  at = 0;

  constructor(private readonly text: string) {}

  fail(expected: string): never {
    throw new Broken(this.at, `expected ${expected}, found ${describeAt(this.text, this.at)}`);
  }

  space(): void {
    while (this.at < this.text.length && ' \t\n\r'.includes(this.text.charAt(this.at))) this.at++;
  }

  value(): void {
    this.space();
    const char = this.text.charAt(this.at);
    if (char === '{') return this.object();
    if (char === '[') return this.array();
    if (char === '"') return this.string();
    NUMBER.lastIndex = this.at;
    if (char === '-' || (char >= '0' && char <= '9')) {
      if (!NUMBER.test(this.text)) this.fail('a number');
      this.at = NUMBER.lastIndex;
      return;
    }
    const literal = LITERALS.find((word) => this.text.startsWith(word, this.at));
    if (!literal) this.fail('a value (object, array, string, number, true, false or null)');
    this.at += literal.length;
  }

  private object(): void {
    this.at++;
    this.space();
    if (this.text.charAt(this.at) === '}') {
      this.at++;
      return;
    }
    for (;;) {
      this.space();
      if (this.text.charAt(this.at) !== '"') this.fail('a property name in double quotes');
      this.string();
      this.space();
      if (this.text.charAt(this.at) !== ':') this.fail("':' after the property name");
      this.at++;
      this.value();
      this.space();
      const next = this.text.charAt(this.at);
      if (next === '}') {
        this.at++;
        return;
      }
      if (next !== ',') this.fail("',' or '}' after a property value");
      this.at++;
    }
  }

  private array(): void {
    this.at++;
    this.space();
    if (this.text.charAt(this.at) === ']') {
      this.at++;
      return;
    }
    for (;;) {
      this.value();
      this.space();
      const next = this.text.charAt(this.at);
      if (next === ']') {
        this.at++;
        return;
      }
      if (next !== ',') this.fail("',' or ']' after an array element");
      this.at++;
    }
  }

  private string(): void {
    this.at++;
    for (;;) {
      if (this.at >= this.text.length) this.fail("'\"' to close the string");
      const code = this.text.charCodeAt(this.at);
      if (code === 0x22) {
        this.at++;
        return;
      }
      if (code < 0x20) this.fail('no control characters inside a string (write them escaped)');
      if (code === 0x5c) this.escape();
      else this.at++;
    }
  }

  private escape(): void {
    const kind = this.text.charAt(this.at + 1);
    if ('"\\/bfnrt'.includes(kind) && kind !== '') {
      this.at += 2;
      return;
    }
    if (kind === 'u' && /^[0-9a-fA-F]{4}$/.test(this.text.slice(this.at + 2, this.at + 6))) {
      this.at += 6;
      return;
    }
    this.at++;
    this.fail('a valid escape (\\" \\\\ \\/ \\b \\f \\n \\r \\t or \\u and four hex digits)');
  }
}
